<?php
// Prints, as JSON, what Reflection sees of php-zmq's classes: constants, and each method's
// parameter names and how many are required. With an argument, includes that stub file
// first (run without the extension: `php -n describe.php stubs.php`).
if (isset($argv[1])) {
    require $argv[1];
}
$classes = ['ZMQ', 'ZMQContext', 'ZMQSocket', 'ZMQPoll', 'ZMQDevice', 'ZMQException',
            'ZMQContextException', 'ZMQSocketException', 'ZMQPollException', 'ZMQDeviceException'];
// FerroMQ's own classes, where they are (its extension, its stubs).
foreach (['ZMQAuthenticator', 'ZMQAuthenticatorException'] as $own) {
    if (class_exists($own)) {
        $classes[] = $own;
    }
}
$out = [];
foreach ($classes as $name) {
    $class = new ReflectionClass($name);
    $methods = [];
    foreach ($class->getMethods() as $method) {
        if ($method->getDeclaringClass()->getName() !== $name || $method->getName() === '__construct' && $name === 'ZMQ') {
            continue;
        }
        $methods[$method->getName()] = [
            'params' => array_map(fn ($p) => ($p->isPassedByReference() ? '&' : '') . $p->getName(), $method->getParameters()),
            'static' => $method->isStatic(),
        ];
    }
    ksort($methods);
    $constants = $class->getConstants();
    ksort($constants);
    $out[$name] = [
        'parent' => $class->getParentClass() ? $class->getParentClass()->getName() : null,
        'final' => $class->isFinal(),
        'constants' => $constants,
        'methods' => $methods,
    ];
}
echo json_encode($out, JSON_PRETTY_PRINT), "\n";

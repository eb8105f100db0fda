<?php
// Prints, for every socket type and every SOCKOPT_ constant, what getsockopt gives, what
// setsockopt with a typical value (1, or "abc" for string options) gives, and what is read
// back, then the same with 0 or "" on a fresh socket: one line each, for OptionsTest to
// compare the two extensions.
$ctx = new ZMQContext(1, false);
$types = ['PAIR'=>0,'PUB'=>1,'SUB'=>2,'REQ'=>3,'REP'=>4,'DEALER'=>5,'ROUTER'=>6,'PULL'=>7,'PUSH'=>8,'XPUB'=>9,'XSUB'=>10,'STREAM'=>11];
$opts = [];
foreach ((new ReflectionClass('ZMQ'))->getConstants() as $n => $v) if (str_starts_with($n, 'SOCKOPT_')) $opts[$n] = $v;
ksort($opts);
function outcome(callable $f) {
    try { $r = $f(); return is_object($r) ? 'object' : (is_resource($r) ? 'resource' : var_export($r, true)); }
    catch (Throwable $e) { return get_class($e) . ': ' . $e->getMessage() . ' (' . $e->getCode() . ')'; }
}
foreach ($types as $tn => $t) {
    foreach ($opts as $on => $o) {
        $s = $ctx->getSocket($t);
        $get = outcome(fn() => $s->getSockOpt($o));
        $isString = in_array($on, ['SOCKOPT_IDENTITY','SOCKOPT_SUBSCRIBE','SOCKOPT_UNSUBSCRIBE','SOCKOPT_LAST_ENDPOINT','SOCKOPT_XPUB_WELCOME_MSG','SOCKOPT_BINDTODEVICE','SOCKOPT_SOCKS_PROXY','SOCKOPT_CONNECT_RID','SOCKOPT_ZAP_DOMAIN','SOCKOPT_PLAIN_USERNAME','SOCKOPT_PLAIN_PASSWORD','SOCKOPT_TCP_ACCEPT_FILTER','SOCKOPT_GSSAPI_PRINCIPAL','SOCKOPT_GSSAPI_SERVICE_PRINCIPAL','SOCKOPT_CURVE_PUBLICKEY','SOCKOPT_CURVE_SECRETKEY','SOCKOPT_CURVE_SERVERKEY']);
        $line = "$tn $on get=$get";
        foreach (['' => $isString ? 'abc' : 1, '0' => $isString ? '' : 0] as $suffix => $val) {
            if ($suffix !== '') {
                $s = $ctx->getSocket($t);
            }
            $set = outcome(fn() => $s->setSockOpt($o, $val) === null ? 'null' : 'this');
            $set = str_replace(["'this'", "'null'"], 'ok', $set);
            $after = str_starts_with($set, 'ok') ? outcome(fn() => $s->getSockOpt($o)) : '';
            $line .= " set$suffix=$set after$suffix=$after";
        }
        echo "$line\n";
    }
}

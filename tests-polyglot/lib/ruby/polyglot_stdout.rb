# Loaded first (ruby -rpolyglot_stdout) by the runner: line-at-a-time output through pipes,
# as on a terminal, so the runner sees each line when it is printed.
$stdout.sync = true
$stderr.sync = true

// Preloaded (`node -r parent-guard.js ...`) into emulator child processes so
// they never outlive the process that started them: the parent holds the
// child's stdin open, and when the parent dies for any reason (including
// SIGKILL) the pipe closes and the child exits. A reparenting check backs it up.
"use strict";
const startPpid = process.ppid;
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
const timer = setInterval(() => {
  if (process.ppid !== startPpid) process.exit(0);
}, 1000);
timer.unref();

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

// Emulators without a bind-address option (kinesis-mock listens on all
// interfaces) are kept on loopback: listen(port[, cb]) and listen({port})
// calls without a host get EMULATOR_LISTEN_HOST.
const host = process.env.EMULATOR_LISTEN_HOST;
if (host) {
    const net = require("net");
    const listen = net.Server.prototype.listen;
    net.Server.prototype.listen = function patchedListen(...args) {
        if (typeof args[0] === "number" || (typeof args[0] === "string" && /^\d+$/.test(args[0]))) {
            if (args.length === 1 || typeof args[1] === "function") args.splice(1, 0, host);
        } else if (args[0] && typeof args[0] === "object" && args[0].port !== undefined && args[0].host === undefined && args[0].path === undefined) {
            args[0] = { ...args[0], host };
        }
        return listen.apply(this, args);
    };
}

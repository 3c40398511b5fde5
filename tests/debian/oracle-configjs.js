// Oracle for tests/debian/run.sh: evaluates a Jitsi config.js as the browser would (in a vm
// context) and prints config.hosts.anonymousdomain, or "<unset>".
// Usage: node oracle-configjs.js FILE
'use strict';
const fs = require('fs');
const vm = require('vm');
const ctx = vm.createContext({});
vm.runInContext(fs.readFileSync(process.argv[2], 'utf8'), ctx, { filename: process.argv[2] });
const hosts = (ctx.config && ctx.config.hosts) || {};
console.log(hosts.anonymousdomain === undefined ? '<unset>' : String(hosts.anonymousdomain));

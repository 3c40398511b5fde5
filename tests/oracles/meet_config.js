// The config.js oracle: evaluates a Jitsi Meet config.js the way a browser would after nginx's
// server-side includes ran (each `<!--# echo var="x" default="y" -->` becomes its default, as
// nginx does when the variable is unset), and prints `config` as JSON, one line per file:
//   {"ok": true, "config": {...}}  or  {"ok": false, "error": "..."}
// Usage: node meet_config.js FILE...
'use strict';
const fs = require('fs');
const vm = require('vm');

for (const file of process.argv.slice(2)) {
    try {
        const source = fs.readFileSync(file, 'utf8')
            .replace(/<!--#\s*echo\s+var="[^"]*"\s+default="([^"]*)"\s*-->/g, '$1');
        const context = vm.createContext({});
        vm.runInContext(source + '\n;globalThis.__config = config;', context, { filename: file });
        process.stdout.write(JSON.stringify({ ok: true, config: context.__config }) + '\n');
    } catch (e) {
        process.stdout.write(JSON.stringify({ ok: false, error: String(e && e.stack || e) }) + '\n');
    }
}

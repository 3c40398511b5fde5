-- The Prosody oracle: loads config files with Prosody's own loader (core.configmanager, from
-- the Debian prosody package) and prints, one line per file, every section's settings as JSON:
--   {"ok": true, "config": {"*": {...}, "host": {...}}}  or  {"ok": false, "error": "..."}
-- Usage: lua5.4 prosody_config.lua FILE...
package.path = "/usr/lib/prosody/?.lua;" .. package.path
package.cpath = "/usr/lib/prosody/?.so;" .. package.cpath

local configmanager = require "core.configmanager"
local json = require "util.json"
local lfs = require "lfs"

-- Settings are plain values and tables of strings; functions and userdata cannot be encoded.
local function plain(v)
	local t = type(v)
	if t == "table" then
		local out = {}
		for k, x in pairs(v) do out[k] = plain(x) end
		return out
	elseif t == "string" or t == "number" or t == "boolean" then
		return v
	end
	return tostring(v)
end

assert(arg[1], "usage: prosody_config.lua FILE...")
local start = lfs.currentdir()
for _, path in ipairs(arg) do
	-- Prosody 0.12 looks a file up again by Lua's short_src (cut at 60 characters) to report a
	-- duplicated option, and fails on a long path: load it by its base name, from its directory.
	local dir, base = path:match("^(.*)/([^/]*)$")
	if dir then assert(lfs.chdir(dir ~= "" and dir or "/")) else base = path end
	local ok, level, err = configmanager.load(base)
	assert(lfs.chdir(start))
	if not ok then
		print(json.encode({ ok = false, error = tostring(level) .. ": " .. tostring(err) }))
	else
		local config = {}
		for host, settings in pairs(configmanager.getconfig()) do
			config[host] = plain(settings)
		end
		print(json.encode({ ok = true, config = config }))
	end
end

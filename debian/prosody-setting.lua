-- Prints one setting of a Prosody host as Prosody itself reads it, for jitsi-tokens' maintainer
-- scripts. Uses Prosody's own configuration loader (/usr/lib/prosody), so quoting, long strings
-- and escapes are read exactly as the server reads them; no text matching.
--
-- Usage: lua5.4 prosody-setting.lua FILE HOST KEY
-- Writes the value (strings as is, booleans and numbers as text, no newline) to stdout.
-- Exit status: 0 found, 3 not set, 4 not a string/boolean/number, 1 the file cannot be loaded.
-- Error messages never quote the file's content (it may hold the secret).
local file, host, key = ...
if not (file and host and key) then
	io.stderr:write("usage: prosody-setting.lua FILE HOST KEY\n")
	os.exit(2)
end
package.path = "/usr/lib/prosody/?.lua;" .. package.path
package.cpath = "/usr/lib/prosody/?.so;" .. package.cpath

local loaded, configmanager = pcall(require, "core.configmanager")
if not loaded then
	io.stderr:write("prosody-setting: Prosody's configuration loader is not installed\n")
	os.exit(1)
end
local ok = configmanager.load(file)
if not ok then
	io.stderr:write("prosody-setting: Prosody cannot load " .. file .. "\n")
	os.exit(1)
end
local value = configmanager.get(host, key)
if value == nil then
	os.exit(3)
end
local kind = type(value)
if kind ~= "string" and kind ~= "boolean" and kind ~= "number" then
	os.exit(4)
end
io.write(tostring(value))

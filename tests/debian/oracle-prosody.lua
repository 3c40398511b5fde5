-- Oracle for tests/debian/run.sh: reads a Prosody host file with Prosody's own configuration
-- loader (/usr/lib/prosody) and checks token authentication as the Jitsi handbook requires it.
--
-- Usage: lua5.4 oracle-prosody.lua FILE HOST APP_ID SECRET_FILE ALLOW_EMPTY(true|false) MODE
--   MODE full: every handbook requirement; MODE stub: authentication, app_id and app_secret only.
--   MODE absent: token authentication is not configured (after purge).
-- The expected secret is read from SECRET_FILE (never argv). Prints one "ok"/"FAIL" line per
-- check (never the secret) and exits 1 when a check fails.
package.path = "/usr/lib/prosody/?.lua;" .. package.path
package.cpath = "/usr/lib/prosody/?.so;" .. package.cpath
local file, host, app_id, secret_file, allow_empty, mode = ...
local cm = require "core.configmanager"
local ok, kind, err = cm.load(file)
if not ok then
	print("FAIL prosody loader: " .. tostring(kind) .. ": " .. tostring(err))
	os.exit(1)
end
local failed = false
local function check(cond, what)
	print((cond and "ok   " or "FAIL ") .. what)
	if not cond then failed = true end
end
local function has(list, item)
	if type(list) ~= "table" then return false end
	for _, v in ipairs(list) do if v == item then return true end end
	return false
end
local function raw(h, key) return cm.rawget(h, key) end

if mode == "absent" then
	check(raw(host, "authentication") ~= "token", "authentication is not token")
	check(raw(host, "app_secret") == nil, "no app_secret")
	check(raw(host, "app_id") == nil, "no app_id")
	os.exit(failed and 1 or 0)
end

local f = assert(io.open(secret_file, "rb"))
local secret = f:read("a")
f:close()

check(raw(host, "authentication") == "token", "authentication = \"token\"")
check(raw(host, "app_id") == app_id, "app_id as answered")
check(raw(host, "app_secret") == secret, "app_secret as answered (compared byte for byte)")
check(raw(host, "allow_empty_token") == (allow_empty == "true"), "allow_empty_token = " .. allow_empty)
if mode == "full" then
	local mods = raw(host, "modules_enabled")
	check(has(mods, "muc_lobby_rooms"), "VirtualHost modules_enabled has muc_lobby_rooms")
	check(has(mods, "persistent_lobby"), "VirtualHost modules_enabled has persistent_lobby")
	local muc = "conference." .. host
	check(has(raw(muc, "modules_enabled"), "token_verification"), muc .. " has token_verification")
	check(has(raw(muc, "modules_enabled"), "muc_wait_for_host"), muc .. " has muc_wait_for_host")
	local guest = "guest." .. host
	check(raw(guest, "authentication") == "jitsi-anonymous", guest .. " authentication = \"jitsi-anonymous\"")
	check(raw(guest, "c2s_require_encryption") == false, guest .. " c2s_require_encryption = false")
end
os.exit(failed and 1 or 0)

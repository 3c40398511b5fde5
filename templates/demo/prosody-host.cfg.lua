-- Prosody configuration for {{ host }}, as the jitsi-meet-prosody package installs it.
-- (jitsi-tokens demo: a stand-in written for the demo, not an upstream file.)

plugin_paths = { "/usr/share/jitsi-meet/prosody-plugins/" }

-- domain mapper options, must at least have domain base set to use the mapper
muc_mapper_domain_base = "{{ host }}";

external_service_secret = "{{ turn_secret }}";
external_services = {
     { type = "stun", host = "{{ host }}", port = 3478 },
     { type = "turn", host = "{{ host }}", port = 3478, transport = "udp", secret = true, ttl = 86400, algorithm = "turn" }
};

cross_domain_bosh = false;
consider_bosh_secure = true;

unlimited_jids = {
    "focus@auth.{{ host }}",
    "jvb@auth.{{ host }}"
}

VirtualHost "{{ host }}"
    authentication = "jitsi-anonymous" -- do not delete me
    -- Properties below are modified by jitsi-meet-tokens package config
    -- and authentication above is switched to "token"
    --app_id="example_app_id"
    --app_secret="example_app_secret"
    ssl = {
        key = "/etc/prosody/certs/{{ host }}.key";
        certificate = "/etc/prosody/certs/{{ host }}.crt";
    }
    -- we need bosh
    modules_enabled = {
        "bosh";
        "websocket";
        "smacks";
        "ping"; -- Enable mod_ping
        "external_services";
        "conference_duration";
        "muc_lobby_rooms";
        "muc_breakout_rooms";
    }
    c2s_require_encryption = false
    lobby_muc = "lobby.{{ host }}"
    breakout_rooms_muc = "breakout.{{ host }}"
    main_muc = "conference.{{ host }}"
    -- muc_lobby_whitelist = { "recorder.{{ host }}" } -- Here a recorder (jibri) may skip the lobby

Component "conference.{{ host }}" "muc"
    restrict_room_creation = true
    storage = "memory"
    modules_enabled = {
        "muc_hide_all";
        "muc_meeting_id";
        "muc_domain_mapper";
        --"token_verification";
        "muc_rate_limit";
    }
    admins = { "focus@auth.{{ host }}" }
    muc_room_locking = false
    muc_room_default_public_jids = true

Component "breakout.{{ host }}" "muc"
    restrict_room_creation = true
    storage = "memory"
    admins = { "focus@auth.{{ host }}" }

Component "internal.auth.{{ host }}" "muc"
    storage = "memory"
    modules_enabled = {
        "muc_hide_all";
        "ping";
    }
    admins = { "focus@auth.{{ host }}", "jvb@auth.{{ host }}" }
    muc_room_locking = false

VirtualHost "auth.{{ host }}"
    modules_enabled = {
        "limits_exception";
        "smacks";
    }
    authentication = "internal_hashed"

Component "focus.{{ host }}" "client_proxy"
    target_address = "focus@auth.{{ host }}"

Component "lobby.{{ host }}" "muc"
    storage = "memory"
    restrict_room_creation = true
    muc_room_locking = false

/* eslint-disable comma-dangle, no-unused-vars, no-var, prefer-template, vars-on-top */
// Jitsi Meet configuration for {{ host }}, shaped like the one the jitsi-meet-web-config package
// installs. (jitsi-tokens demo: a stand-in written for the demo, not an upstream file.)

var subdir = '<!--# echo var="subdir" default="" -->';
var subdomain = '<!--# echo var="subdomain" default="" -->';

if (subdir.startsWith('<!--')) {
    subdir = '';
}
if (subdomain.startsWith('<!--')) {
    subdomain = '';
}

var config = {
    hosts: {
        // XMPP domain.
        domain: '{{ host }}',

        // When using authentication, domain for guest users.
        // anonymousdomain: 'guest.example.com',

        // Domain for authenticated users. Defaults to <domain>.
        // authdomain: '{{ host }}',

        // XMPP MUC domain. FIXME: use XEP-0030 to discover it.
        muc: 'conference.' + subdomain + '{{ host }}',
    },

    // BOSH URL. FIXME: use XEP-0156 to discover it.
    bosh: 'https://{{ host }}/' + subdir + 'http-bind',

    // Websocket URL (XMPP)
    websocket: 'wss://{{ host }}/' + subdir + 'xmpp-websocket',

    // Enables the lobby, so guests wait until a moderator lets them in.
    // enableLobby: true,

    // Start every participant with audio only (no video).
    // startAudioOnly: false,

    p2p: {
        enabled: true,
        stunServers: [
            { urls: 'stun:{{ host }}:3478' },
        ],
    },
};

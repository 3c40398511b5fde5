// The HOCON oracle for tests/hocon.rs: what Typesafe Config (the library jicofo reads its
// configuration with) makes of many files, in one JVM start.
//
// Run: java -cp /usr/share/java/typesafe-config.jar tests/oracles/HoconOracle.java MANIFEST
//
// MANIFEST is UTF-8 text, one record a line:
//   F<TAB>/path/to/file.conf        starts a file
//   P<TAB>key<TAB>key<TAB>...       asks for the value at that path: its keys, unquoted, with
//                                   backslash, tab, CR and LF written as \\, \t, \r and \n
// For every file, one line of JSON is printed on stdout, in manifest order:
//   {"file":"...","parse":"ok"|"error","line":N,"message":"...",
//    "resolve":"ok"|"error","resolve_message":"...",
//    "values":[{"path":["a","b"],"type":"BOOLEAN|NUMBER|STRING|NULL|OBJECT|LIST|MISSING|UNRESOLVED|ERROR",
//               "string":"..."|null,"bool":true|false|null}]}
// "line" is the line Typesafe reports (-1 when its exception has no origin line).
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

public class HoconOracle {
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, false, "UTF-8");
        List<String> lines = args.length > 0
                ? Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8)
                : readAll(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        String file = null;
        List<List<String>> paths = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("F\t")) {
                if (file != null) out.println(report(file, paths));
                file = line.substring(2);
                paths = new ArrayList<>();
            } else if (line.startsWith("P\t")) {
                List<String> path = new ArrayList<>();
                for (String key : line.substring(2).split("\t", -1)) path.add(unescape(key));
                paths.add(path);
            } else if (!line.isEmpty()) {
                throw new IllegalArgumentException("bad manifest line: " + line);
            }
        }
        if (file != null) out.println(report(file, paths));
        out.flush();
    }

    static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 1 < s.length()) {
                char next = s.charAt(++i);
                sb.append(next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : next);
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    static List<String> readAll(BufferedReader r) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String l = r.readLine(); l != null; l = r.readLine()) lines.add(l);
        return lines;
    }

    static String report(String file, List<List<String>> paths) {
        StringBuilder sb = new StringBuilder("{\"file\":").append(json(file));
        Config parsed;
        try {
            ConfigParseOptions opts = ConfigParseOptions.defaults()
                    .setSyntax(ConfigSyntax.CONF).setAllowMissing(false);
            parsed = ConfigFactory.parseFile(new File(file), opts);
        } catch (ConfigException e) {
            return sb.append(",\"parse\":\"error\",\"line\":").append(line(e))
                    .append(",\"message\":").append(json(e.getMessage())).append("}").toString();
        } catch (RuntimeException e) {
            // Some rejections crash inside the library (a BadPath without an origin throws a
            // NullPointerException): still a rejection, without a line.
            return sb.append(",\"parse\":\"error\",\"line\":-1,\"message\":")
                    .append(json(e.toString())).append("}").toString();
        }
        sb.append(",\"parse\":\"ok\"");
        Config c;
        try {
            c = parsed.resolve(ConfigResolveOptions.defaults().setAllowUnresolved(true));
            sb.append(",\"resolve\":\"ok\"");
        } catch (RuntimeException e) {
            c = parsed;
            sb.append(",\"resolve\":\"error\",\"resolve_message\":").append(json(e.getMessage()));
        }
        sb.append(",\"values\":[");
        for (int i = 0; i < paths.size(); i++) {
            if (i > 0) sb.append(',');
            sb.append(value(c, paths.get(i)));
        }
        return sb.append("]}").toString();
    }

    static int line(ConfigException e) {
        return e.origin() == null ? -1 : e.origin().lineNumber();
    }

    static String value(Config c, List<String> path) {
        StringBuilder sb = new StringBuilder("{\"path\":[");
        for (int i = 0; i < path.size(); i++) {
            if (i > 0) sb.append(',');
            sb.append(json(path.get(i)));
        }
        sb.append("],");
        String type;
        String string = null;
        String bool = "null";
        try {
            String p = ConfigUtil.joinPath(path);
            if (!c.hasPathOrNull(p)) {
                type = "MISSING";
            } else if (c.getIsNull(p)) {
                type = "NULL";
            } else {
                ConfigValue v = c.getValue(p);
                type = v.valueType().name();
                if (v.valueType() != ConfigValueType.OBJECT && v.valueType() != ConfigValueType.LIST) {
                    string = c.getString(p);
                }
                try {
                    bool = c.getBoolean(p) ? "true" : "false";
                } catch (RuntimeException e) {
                    bool = "null";
                }
            }
        } catch (ConfigException.NotResolved e) {
            type = "UNRESOLVED";
        } catch (RuntimeException e) {
            type = "ERROR";
            string = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        return sb.append("\"type\":\"").append(type).append("\",\"string\":")
                .append(string == null ? "null" : json(string))
                .append(",\"bool\":").append(bool).append('}').toString();
    }

    static String json(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (ch < 0x20) sb.append(String.format("\\u%04x", (int) ch));
                    else sb.append(ch);
            }
        }
        return sb.append('"').toString();
    }
}

// Oracle for tests/debian/run.sh: parses jicofo.conf with Typesafe Config (the library jicofo
// uses) and prints jicofo.authentication.enabled: "true", "false", or "<unset>" (reference.conf
// then applies: disabled).
// Usage: java -cp /usr/share/java/typesafe-config.jar JicofoAuth.java FILE
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.File;

public class JicofoAuth {
    public static void main(String[] args) {
        Config config = ConfigFactory.parseFile(new File(args[0])).resolve();
        String path = "jicofo.authentication.enabled";
        System.out.println(config.hasPath(path) ? String.valueOf(config.getBoolean(path)) : "<unset>");
    }
}

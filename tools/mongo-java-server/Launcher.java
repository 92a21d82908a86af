import java.util.List;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * Starts mongo-java-server for machines where no real mongod can be obtained.
 *
 * Usage: java -cp 'lib/*:classes' Launcher [--file PATH] [--port N]
 * Prints "LISTENING host:port" once bound. Stops when its standard input closes, so the
 * Node process that launched it never leaves an orphan behind, even when killed hard.
 */
public class Launcher {
    /** The node driver 7.x refuses servers older than 4.2; the wire version of MongoDB 7.0 is 21. */
    enum ReportedVersion implements MongoVersion {
        MONGO_7_0;

        @Override
        public List<Integer> getVersionArray() {
            return List.of(7, 0, 0);
        }

        @Override
        public int getWireVersion() {
            return 21;
        }
    }

    public static void main(String[] args) throws Exception {
        String file = null;
        int port = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--file" -> file = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        MongoBackend backend = file == null ? new MemoryBackend() : new H2Backend(file);
        backend.version(ReportedVersion.MONGO_7_0);
        MongoServer server = new MongoServer(backend);
        server.bind("127.0.0.1", port);
        var address = server.getLocalAddress();
        System.out.println("LISTENING " + address.getHostString() + ":" + address.getPort());
        System.out.flush();

        Runnable stop = () -> {
            server.shutdownNow();
            backend.close();
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop));
        while (System.in.read() != -1) {
            // Input is ignored; only its end matters.
        }
        System.exit(0);
    }
}

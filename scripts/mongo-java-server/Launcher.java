import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Runs the in-memory backend of de.bwaldvogel:mongo-java-server for development and tests where no
 * mongod can be installed. Started as a single-file program (no compile step):
 *
 *   java -cp 'jars/*' Launcher.java [port, 0 = any free port] [host, default 127.0.0.1]
 *
 * Protocol with the parent process: exactly one stdout line "READY <port>" once the socket listens;
 * the server stops when its stdin reaches EOF or on SIGTERM/SIGINT. Errors go to stderr, exit 2.
 */
public class Launcher {

    /**
     * The library's own versions (enum ServerVersion) stop at MONGO_5_0, which reports wire
     * version 8, and the MongoDB Node driver 7 rejects any server below wire version 9. The
     * backend accepts any MongoVersion, so we keep the "5.0.0" version string and report the wire
     * version a real MongoDB 5.0 has (13). Nothing else in the server changes with it.
     */
    static final MongoVersion MONGO_5_0_WIRE_13 = new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(5, 0, 0);
        }

        @Override
        public int getWireVersion() {
            return 13;
        }
    };

    public static void main(String[] args) {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        String host = args.length > 1 ? args[1] : "127.0.0.1";

        MongoServer server = new MongoServer(new MemoryBackend().version(MONGO_5_0_WIRE_13));
        try {
            server.bind(host, port);
        } catch (Exception e) {
            // Netty rethrows a taken port as an undeclared BindException and the server only
            // cleans up after RuntimeExceptions, so its non-daemon threads would keep a failed
            // JVM alive: exit explicitly.
            System.err.println("Launcher: cannot listen on " + host + ":" + port + ": " + e);
            System.exit(2);
        }

        // The event-loop threads are not daemons: only System.exit (or a signal) ends the JVM, and
        // both run this hook, so there is a single shutdown path.
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "launcher-shutdown"));

        System.out.println("READY " + server.getLocalAddress().getPort());
        System.out.flush();

        // A parent that dies (even by SIGKILL) closes our stdin: exiting on EOF means a crashed test
        // run never leaves an orphaned server holding a port.
        waitForEof(System.in);
        System.exit(0);
    }

    private static void waitForEof(InputStream in) {
        byte[] sink = new byte[256];
        try {
            while (in.read(sink) != -1) {
                // input is ignored; only its end matters
            }
        } catch (IOException e) {
            // a broken stdin counts as closed
        }
    }
}

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Starts mongo-java-server's in-memory backend for development and tests on machines where no
 * mongod can be installed.
 *
 * Why a launcher: the stock server reports MongoDB 3.6 (wire version 8) or 5.0 through its enum,
 * while the MongoDB Node driver 7 (mongoose 9) refuses servers below wire version 9. We hand the
 * backend our own MongoVersion reporting wire version 13 (MongoDB 5.0 semantics).
 *
 * Usage: java -cp 'jars/*' Launcher.java [port=0] [host=127.0.0.1]
 * Prints "READY <port>" once listening; stops when stdin closes (the parent went away) or on SIGTERM.
 */
public class Launcher {
    private static final MongoVersion WIRE_13 = new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(5, 0, 0);
        }

        @Override
        public int getWireVersion() {
            return 13;
        }
    };

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        String host = args.length > 1 ? args[1] : "127.0.0.1";

        MongoServer server = new MongoServer(new MemoryBackend().version(WIRE_13));
        server.bind(host, port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));

        InetSocketAddress address = server.getLocalAddress();
        System.out.println("READY " + address.getPort());
        System.out.flush();

        // Block until the parent closes our stdin, so an orphaned server never outlives its owner.
        while (System.in.read() != -1) {
            // ignore input
        }
        server.shutdownNow();
        System.exit(0);
    }
}

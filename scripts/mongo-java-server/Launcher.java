import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs de.bwaldvogel:mongo-java-server for development and tests where no mongod can be installed:
 * in memory, or with --store FILE in one H2 MVStore file that survives restarts. Runs as a
 * single-file program (no compile step), or compiled ahead as src/dev/java-mongo.ts does:
 *
 *   java -cp 'jars/*' Launcher.java [--store FILE] [port, 0 = any free port] [host, default 127.0.0.1]
 *
 * Protocol with the parent process: exactly one stdout line "READY <port>" once the socket listens;
 * the server stops when its stdin reaches EOF or on SIGTERM/SIGINT, and a store is closed (written
 * out) before the process ends. Errors go to stderr, exit 2.
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

    /*
     * The server's databases synchronise every path that creates a collection except the "create"
     * command (createCollectionOrThrowIfExists). mongoose sends "create" for each model while our
     * start-up sends "createIndexes" for the same, new collection, so both can create it at once:
     * the H2 backend then fails one of them ("Document with key '<db>.<coll>' already existed in
     * H2Collection(<db>.system.namespaces)"), and the memory backend may replace a collection it
     * has just filled. Taking the database's lock there, as its other creating paths do, closes it.
     */
    static final class H2 extends H2Backend {
        H2(String fileName) {
            super(fileName);
        }

        @Override
        protected MongoDatabase openOrCreateDatabase(String databaseName) {
            return new H2Database(databaseName, getMvStore(), getCursorRegistry()) {
                @Override
                public synchronized MongoCollection<Object> createCollectionOrThrowIfExists(String name, CollectionOptions options) {
                    return super.createCollectionOrThrowIfExists(name, options);
                }
            };
        }
    }

    static final class Memory extends MemoryBackend {
        @Override
        public MemoryDatabase openOrCreateDatabase(String databaseName) {
            return new MemoryDatabase(databaseName, getCursorRegistry()) {
                @Override
                public synchronized MongoCollection<Integer> createCollectionOrThrowIfExists(String name, CollectionOptions options) {
                    return super.createCollectionOrThrowIfExists(name, options);
                }
            };
        }
    }

    public static void main(String[] args) {
        List<String> positional = new ArrayList<>(List.of(args));
        String store = null;
        int option = positional.indexOf("--store");
        if (option >= 0) {
            if (option + 1 >= positional.size()) fail("--store needs a file name");
            store = positional.remove(option + 1);
            positional.remove(option);
        }
        int port = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 0;
        String host = positional.size() > 1 ? positional.get(1) : "127.0.0.1";

        MongoBackend backend = store == null ? new Memory() : openStore(store);
        MongoServer server = new MongoServer(backend.version(MONGO_5_0_WIRE_13));
        try {
            server.bind(host, port);
        } catch (Exception e) {
            // Netty rethrows a taken port as an undeclared BindException and the server only
            // cleans up after RuntimeExceptions, so its non-daemon threads would keep a failed
            // JVM alive: exit explicitly, after releasing the store's file lock.
            backend.close();
            fail("cannot listen on " + host + ":" + port + ": " + e);
        }

        // The event-loop threads are not daemons: only System.exit (or a signal) ends the JVM, and
        // both run this hook, so there is a single shutdown path. shutdownNow closes the backend,
        // and closing an MVStore commits what the background writer has not written yet.
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "launcher-shutdown"));

        System.out.println("READY " + server.getLocalAddress().getPort());
        System.out.flush();

        // A parent that dies (even by SIGKILL) closes our stdin: exiting on EOF means a crashed test
        // run never leaves an orphaned server holding a port.
        waitForEof(System.in);
        System.exit(0);
    }

    /**
     * MVStore commits on its own about once a second, so a SIGKILL loses at most that last second;
     * the file stays readable because MVStore only ever appends chunks and then points at them.
     * The store is locked while open: a second server on the same file fails here, not later.
     */
    private static MongoBackend openStore(String fileName) {
        File parent = new File(fileName).getAbsoluteFile().getParentFile();
        if (parent != null && !parent.isDirectory() && !parent.mkdirs()) fail("cannot create " + parent);
        try {
            return new H2(fileName);
        } catch (RuntimeException e) {
            String reason = String.valueOf(e.getMessage());
            if (reason.contains("locked")) fail(fileName + " is in use by another server (" + reason + ")");
            fail("cannot open " + fileName + ": " + reason);
            return null;
        }
    }

    private static void fail(String message) {
        System.err.println("Launcher: " + message);
        System.exit(2);
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

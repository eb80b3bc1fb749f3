package io.nightbake.scoring;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * ONNX Runtime sessions of ranking graphs, shared by the tasks of one JVM (a Spark executor runs several tasks
 * at once: they must not each build a session with its own thread pool). A session is keyed by tenant, model
 * version, a hash of the graph bytes and the intra-op thread count, so a re-exported graph (new customers or
 * products) gets a new session.
 *
 * <p>Bounded: at most {@code maxSessions} sessions and about {@code maxGraphBytes} of graphs are kept; the least
 * recently used idle sessions are closed first. A session in use is never closed under its user: callers hold a
 * {@link Lease} and the session closes when it is both evicted and released. Thousands of tenants a night
 * therefore cost a handful of live sessions, not thousands.
 */
public final class OrtSessionCache implements AutoCloseable {

    /** Per JVM: a few sessions are enough since each tenant is scored by one task at a time. */
    public static final int DEFAULT_MAX_SESSIONS = 8;
    public static final long DEFAULT_MAX_GRAPH_BYTES = 512L * 1024 * 1024;

    private static final OrtSessionCache SHARED = new OrtSessionCache(DEFAULT_MAX_SESSIONS, DEFAULT_MAX_GRAPH_BYTES);

    /** Identifies a session. */
    public record Key(String tenant, int modelVersion, String graphHash, int intraOpThreads) {
    }

    private final int maxSessions;
    private final long maxGraphBytes;
    /** In access order: the first entry is the least recently used. Guarded by {@code this}. */
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long graphBytes;
    private long created;

    public OrtSessionCache(int maxSessions, long maxGraphBytes) {
        if (maxSessions < 1) {
            throw new IllegalArgumentException("maxSessions must be at least 1, was " + maxSessions);
        }
        this.maxSessions = maxSessions;
        this.maxGraphBytes = maxGraphBytes;
    }

    /** The cache of this JVM (driver or executor). */
    public static OrtSessionCache shared() {
        return SHARED;
    }

    /** SHA-256 of the graph bytes, hex (the part of the key that tells re-exported graphs apart). */
    public static String hash(byte[] graph) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(graph));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Returns a lease on the session for this graph, creating the session when it is not cached. Concurrent callers
     * asking for the same key share one session (created once). Close the lease when done.
     */
    public Lease acquire(String tenant, int modelVersion, byte[] graph, int intraOpThreads) throws OrtException {
        Key key = new Key(tenant, modelVersion, hash(graph), intraOpThreads);
        Entry entry;
        boolean creator = false;
        synchronized (this) {
            entry = entries.get(key);
            if (entry == null) {
                entry = new Entry(key, graph.length);
                entries.put(key, entry);
                graphBytes += graph.length;
                creator = true;
            }
            entry.leases++;
        }
        if (creator) {
            try {
                entry.session.complete(create(graph, intraOpThreads));
                synchronized (this) {
                    created++;
                }
            } catch (OrtException | RuntimeException e) {
                synchronized (this) {
                    entry.leases--;
                    remove(entry);
                }
                entry.session.completeExceptionally(e);
                throw e;
            }
        }
        OrtSession session;
        try {
            session = entry.session.join();
        } catch (CompletionException e) {
            synchronized (this) {
                entry.leases--;
            }
            if (e.getCause() instanceof OrtException ort) {
                throw ort;
            }
            throw e;
        }
        List<OrtSession> toClose;
        synchronized (this) {
            toClose = evictIdle();
        }
        closeAll(toClose);
        return new Lease(entry, session);
    }

    private static OrtSession create(byte[] graph, int intraOpThreads) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (intraOpThreads == 1) {
                // no thread pool to spin: keep the core free for the other Spark tasks
                options.addConfigEntry("session.intra_op.allow_spinning", "0");
            }
            return env.createSession(graph, options);
        }
    }

    /** Closes every idle session and forgets them; sessions in use close when their last lease is released. */
    public void clear() {
        List<OrtSession> toClose = new ArrayList<>();
        synchronized (this) {
            for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
                Entry entry = it.next();
                it.remove();
                graphBytes -= entry.graphBytes;
                entry.evicted = true;
                if (entry.leases == 0 && entry.session.isDone() && !entry.session.isCompletedExceptionally()) {
                    toClose.add(entry.session.join());
                }
            }
        }
        closeAll(toClose);
    }

    @Override
    public void close() {
        clear();
    }

    /** Sessions currently cached (in use or idle). */
    public synchronized int size() {
        return entries.size();
    }

    /** Sessions created since this cache was made (a test and benchmark aid). */
    public synchronized long sessionsCreated() {
        return created;
    }

    public synchronized boolean contains(Key key) {
        return entries.containsKey(key);
    }

    private List<OrtSession> evictIdle() {
        List<OrtSession> toClose = new ArrayList<>();
        Iterator<Entry> it = entries.values().iterator();
        while ((entries.size() > maxSessions || graphBytes > maxGraphBytes) && it.hasNext()) {
            Entry entry = it.next();
            if (entry.leases == 0 && entry.session.isDone()) {
                it.remove();
                graphBytes -= entry.graphBytes;
                entry.evicted = true;
                if (!entry.session.isCompletedExceptionally()) {
                    toClose.add(entry.session.join());
                }
            }
        }
        return toClose;
    }

    private void remove(Entry entry) {
        if (entries.get(entry.key) == entry) {
            entries.remove(entry.key);
            graphBytes -= entry.graphBytes;
        }
        entry.evicted = true;
    }

    private void release(Entry entry, OrtSession session) {
        List<OrtSession> toClose;
        synchronized (this) {
            entry.leases--;
            if (entry.evicted && entry.leases == 0) {
                toClose = List.of(session);
            } else {
                toClose = evictIdle();
            }
        }
        closeAll(toClose);
    }

    private static void closeAll(List<OrtSession> sessions) {
        for (OrtSession session : sessions) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // closing frees native memory; nothing more to do if it fails
            }
        }
    }

    private static final class Entry {
        final Key key;
        final long graphBytes;
        final CompletableFuture<OrtSession> session = new CompletableFuture<>();
        int leases;
        boolean evicted;

        Entry(Key key, long graphBytes) {
            this.key = key;
            this.graphBytes = graphBytes;
        }
    }

    /** The right to use a session until {@link #close()}; not to be shared beyond the caller's scoring loop. */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private final OrtSession session;
        private boolean released;

        private Lease(Entry entry, OrtSession session) {
            this.entry = entry;
            this.session = session;
        }

        public OrtSession session() {
            if (released) {
                throw new IllegalStateException("lease on " + entry.key + " already released");
            }
            return session;
        }

        public Key key() {
            return entry.key;
        }

        @Override
        public void close() {
            if (!released) {
                released = true;
                release(entry, session);
            }
        }
    }

    /** For diagnostics: the cached keys, least recently used first. */
    public synchronized List<Key> keys() {
        return List.copyOf(entries.keySet());
    }

    @Override
    public synchronized String toString() {
        Map<Key, Entry> view = entries;
        return "OrtSessionCache[" + view.size() + "/" + maxSessions + " sessions, " + graphBytes + "/" + maxGraphBytes
                + " graph bytes]";
    }
}

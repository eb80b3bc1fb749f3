package io.nightbake.bench;

import io.nightbake.client.NightbakeReader;
import io.nightbake.client.Recommendations;
import io.nightbake.client.ServingSnapshot;
import io.nightbake.client.SnapshotPointers;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The serving benchmark, in one run on this machine: Nightbake's lookups over HTTP with wrk at fixed connection
 * counts and at a fixed offered rate, Redis GET with redis-benchmark as the reference key-value store, and the
 * in-process reader ({@link NightbakeReader}); it prints throughput, p50/p99/p99.9, resident memory, bytes per entry
 * and the time from {@code serve} start to the first correct lookup. The fleet is generated and its night run
 * (in child JVMs of the same jar) when the home holds none yet; {@code serve} runs as a child JVM so that its start
 * and resident memory are its own.
 */
public final class ServingBenchmark {

    /** What to run; see the CLI's usage text. */
    public record Options(Path home, int tenants, int largestCustomers, int largestProducts, long seed, String runDate,
                          int[] connections, int seconds, int rate, List<String> threadModels, List<Integer> eventLoopThreads,
                          List<String> serveJvmArgs) {
    }

    private final Options options;
    private final PrintStream out;
    private final String java;
    private final String jar;

    private ServingBenchmark(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("java.class.path");
        if (classPath == null || !classPath.endsWith(".jar") || classPath.contains(File.pathSeparator)) {
            throw new IllegalStateException("serving-benchmark starts `serve` from the same jar: run it as "
                    + "`java -jar batch-core/target/nightbake.jar serving-benchmark`");
        }
        this.jar = classPath;
    }

    public static void run(Options options, PrintStream out) throws Exception {
        new ServingBenchmark(options, out).run();
    }

    private void run() throws Exception {
        printMachine();
        Path home = options.home().toAbsolutePath();
        if (!Files.exists(home.resolve("db"))) {
            child("generate", List.of("generate", "--tenants", String.valueOf(options.tenants()), "--largest-customers",
                    String.valueOf(options.largestCustomers()), "--largest-products",
                    String.valueOf(options.largestProducts()), "--seed", String.valueOf(options.seed()), "--out",
                    home.resolve("tenants").toString()));
            child("run-nightly", List.of("run-nightly", "--date", options.runDate(), "--nightbake.home=" + home));
        } else {
            out.println("fleet: using the published fleet in " + home);
        }

        // the in-process reader: time to first lookup, then the lookup loop
        JdbcDataSource db = new JdbcDataSource();
        db.setURL("jdbc:h2:file:" + home.resolve("db/nightbake") + ";AUTO_SERVER=TRUE");
        db.setUser("sa");
        db.setPassword("");
        long openStart = System.nanoTime();
        Fleet fleet;
        double inProcessFirst;
        try (NightbakeReader reader = NightbakeReader.open(SnapshotPointers.registry(db), null)) {
            Recommendations first = new Recommendations();
            String tenant = reader.tenants().iterator().next();
            reader.lookup(tenant, reader.snapshot(tenant).customerIdAt(0), 10, first);
            inProcessFirst = (System.nanoTime() - openStart) / 1e9;
            fleet = Fleet.of(reader, 20_000, new SplittableRandom(options.seed()));
            out.printf(Locale.ROOT, "fleet: %,d tenants served, %,d customers, %,d entries, serving files %.1f MB = %.2f "
                            + "bytes per entry%n", fleet.tenants, fleet.customers, fleet.entries, fleet.servingBytes / 1e6,
                    (double) fleet.servingBytes / fleet.entries);
            out.printf(Locale.ROOT, "in-process reader: first lookup %.2f s after open (%d tenants mapped and validated)%n",
                    inProcessFirst, fleet.tenants);
            if (!reader.problems().isEmpty()) {
                out.println("in-process reader: problems " + reader.problems());
            }
            inProcess(reader, fleet);
        }

        Path paths = home.resolve("bench-paths.txt");
        Files.write(paths, fleet.paths);
        Path lua = home.resolve("bench-wrk.lua");
        Files.writeString(lua, WRK_SCRIPT.replace("PATHS", paths.toString()));
        ensureWrk();
        List<String> summary = new ArrayList<>();
        for (int loops : options.eventLoopThreads()) {
            for (String model : options.threadModels()) {
                summary.addAll(http(model, loops, fleet, lua));
            }
        }
        summary.addAll(redis(fleet.answerBytes));
        out.println();
        out.println("summary (machine shared with other builds: figures are pessimistic)");
        summary.forEach(line -> out.println("  " + line));
        out.println("targets: first lookup < 2 s; serve RSS < 400 MB; HTTP >= 50% of Redis GET; p99 < 2 ms at 10k/s; "
                + "in-process p99 < 5 us, zero allocation per lookup");
    }

    // ---------------------------------------------------------------- in-process

    private void inProcess(NightbakeReader reader, Fleet fleet) {
        Recommendations out = new Recommendations();
        int n = fleet.tenantOf.length;
        long sink = 0;
        for (int i = 0; i < 2_000_000; i++) { // warm-up: JIT and product-id strings
            sink += readOne(reader, fleet, i % n, out);
        }
        int lookups = 2_000_000;
        long[] nanos = new long[lookups];
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        for (int i = 0; i < lookups; i++) {
            long t = System.nanoTime();
            sink += readOne(reader, fleet, i % n, out);
            nanos[i] = System.nanoTime() - t;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore; // nanos[] was allocated before
        Arrays.sort(nanos);
        this.out.printf(Locale.ROOT, "in-process reader, 1 thread: %,d lookups (10 entries read each) in %.2f s = %,.0f/s "
                        + "(timer included); p50 %.2f us, p99 %.2f us, p99.9 %.2f us; %.3f bytes allocated per lookup "
                        + "(checksum %d)%n", lookups, seconds, lookups / seconds, nanos[lookups / 2] / 1e3,
                nanos[(int) (lookups * 0.99)] / 1e3, nanos[(int) (lookups * 0.999)] / 1e3, (double) allocated / lookups,
                sink & 0xFF);
        inProcessP99 = nanos[(int) (lookups * 0.99)] / 1e3;
        inProcessAllocated = (double) allocated / lookups;
    }

    private double inProcessP99;
    private double inProcessAllocated;

    private static long readOne(NightbakeReader reader, Fleet fleet, int i, Recommendations out) {
        if (reader.lookup(fleet.tenantOf[i], fleet.customerOf[i], 10, out) != NightbakeReader.Outcome.FOUND) {
            return -1;
        }
        long sum = out.size();
        for (int r = 0; r < out.size(); r++) {
            sum += out.productId(r).length() + Float.floatToRawIntBits(out.score(r));
        }
        return sum;
    }

    /** A sample of the fleet's (tenant, customer) pairs, weighted by customers, and its size. */
    private static final class Fleet {
        int tenants;
        long customers;
        long entries;
        long servingBytes;
        String[] tenantOf;
        String[] customerOf;
        List<String> paths = new ArrayList<>();
        String firstTenant;
        String firstCustomer;
        String firstProduct;
        int answerBytes = 600;

        static Fleet of(NightbakeReader reader, int samples, SplittableRandom random) {
            Fleet fleet = new Fleet();
            List<ServingSnapshot> snapshots = new ArrayList<>();
            for (String tenant : reader.tenants()) {
                ServingSnapshot s = reader.snapshot(tenant);
                snapshots.add(s);
                fleet.tenants++;
                fleet.customers += s.customerCount();
                fleet.entries += s.entryCount();
                fleet.servingBytes += s.byteSize();
            }
            long[] cumulative = new long[snapshots.size()];
            long total = 0;
            for (int t = 0; t < snapshots.size(); t++) {
                total += snapshots.get(t).customerCount();
                cumulative[t] = total;
            }
            fleet.tenantOf = new String[samples];
            fleet.customerOf = new String[samples];
            for (int i = 0; i < samples; i++) {
                long pick = random.nextLong(total);
                int t = Arrays.binarySearch(cumulative, pick + 1);
                t = t >= 0 ? t : -t - 1;
                ServingSnapshot s = snapshots.get(t);
                fleet.tenantOf[i] = s.tenantId();
                fleet.customerOf[i] = s.customerIdAt(random.nextInt(s.customerCount()));
                fleet.paths.add("/api/v1/tenants/" + s.tenantId() + "/customers/" + fleet.customerOf[i]
                        + "/recommendations?limit=10");
            }
            // the first-lookup probe: a customer with a list, its first product known from the file
            for (ServingSnapshot s : snapshots) {
                for (int c = 0; c < s.customerCount() && fleet.firstTenant == null; c++) {
                    if (s.listEnd(c) > s.listStart(c)) {
                        fleet.firstTenant = s.tenantId();
                        fleet.firstCustomer = s.customerIdAt(c);
                        fleet.firstProduct = s.productId(s.productCode(s.listStart(c)));
                    }
                }
            }
            return fleet;
        }
    }

    // ---------------------------------------------------------------- HTTP

    /**
     * One {@code serve}: lookups are answered by its lean listener on the public port ({@code loops} event-loop threads);
     * {@code threadModel} is Spring's Tomcat's, which answers the forwarded requests (readiness here).
     */
    private List<String> http(String threadModel, int loops, Fleet fleet, Path lua) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(options.serveJvmArgs());
        command.addAll(List.of("-jar", jar, "serve", "--no-schedule", "--server.port=" + port,
                "--server.address=127.0.0.1", "--nightbake.home=" + options.home().toAbsolutePath(),
                "--nightbake.security.enabled=false",
                "--spring.threads.virtual.enabled=" + threadModel.equals("virtual"),
                "--nightbake.serving.event-loop-threads=" + loops));
        String label = loops + " event-loop threads, Spring " + threadModel;
        Path log = options.home().resolve("bench-serve-" + loops + "-" + threadModel + ".log");
        out.println();
        out.println("serve (lookups on " + loops + " event-loop threads; Spring's Tomcat, behind it, on " + threadModel
                + " threads" + (options.serveJvmArgs().isEmpty() ? "" : "; JVM " + String.join(" ", options.serveJvmArgs()))
                + "), log " + log);
        long started = System.nanoTime();
        Process serve = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        List<String> summary = new ArrayList<>();
        try {
            String firstPath = "/api/v1/tenants/" + fleet.firstTenant + "/customers/" + fleet.firstCustomer
                    + "/recommendations?limit=10";
            double firstLookup = -1;
            while (firstLookup < 0) {
                if (!serve.isAlive()) {
                    throw new IllegalStateException("serve exited with " + serve.exitValue() + "; see " + log);
                }
                if ((System.nanoTime() - started) > TimeUnit.MINUTES.toNanos(5)) {
                    throw new IllegalStateException("serve did not answer within 5 minutes; see " + log);
                }
                String body = tryGet(port, firstPath);
                if (body != null && body.contains("\"productId\":\"" + fleet.firstProduct + "\"")) {
                    firstLookup = (System.nanoTime() - started) / 1e9;
                } else {
                    Thread.sleep(5);
                }
            }
            while (!"ready".equals(readiness(port))) {
                Thread.sleep(20);
            }
            double ready = (System.nanoTime() - started) / 1e9;
            long rssReady = rssKb(serve.pid());
            // serve's start ends with the heap trim and the "serving N tenants" line: resident memory from then on
            while (Files.readAllLines(log).stream().noneMatch(l -> l.startsWith("serving ") && l.contains(" tenants at "))) {
                if (!serve.isAlive()) {
                    throw new IllegalStateException("serve exited with " + serve.exitValue() + "; see " + log);
                }
                Thread.sleep(20);
            }
            long rssLoaded = rssKb(serve.pid());
            out.printf(Locale.ROOT, "  first correct lookup %.2f s after the JVM started; ready (every tenant loaded) "
                    + "%.2f s; resident memory %.0f MB when ready, %.0f MB once started (%.1f bytes per entry)%n",
                    firstLookup, ready, rssReady / 1024.0, rssLoaded / 1024.0, rssLoaded * 1024.0 / fleet.entries);
            Files.readAllLines(log).stream().filter(l -> l.contains("serving index loaded:")).findFirst()
                    .ifPresent(l -> out.println("  of which loading the index (serve's log): "
                            + l.substring(l.indexOf("serving index loaded:") + 22)));
            for (String marker : List.of("lookup listener up", "Spring is up")) {
                Files.readAllLines(log).stream().filter(l -> l.contains(marker)).findFirst()
                        .ifPresent(l -> out.println("  serve's log: " + l.substring(l.indexOf(marker))));
            }
            nativeMemory(serve.pid());
            String answer = tryGet(port, fleet.paths.get(0));
            fleet.answerBytes = answer == null ? 600 : answer.getBytes(StandardCharsets.UTF_8).length;

            // warm-up, then wrk at each connection count (closed loop: as fast as the server answers)
            wrk(port, lua, 16, Math.max(3, options.seconds() / 2));
            double best = 0;
            for (int connections : options.connections()) {
                double[] r = wrk(port, lua, connections, options.seconds());
                out.printf(Locale.ROOT, "  wrk %3d connections: %,9.0f req/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, "
                        + "%d errors%n", connections, r[0], r[1] / 1e3, r[2] / 1e3, r[3] / 1e3, (long) r[4]);
                best = Math.max(best, r[0]);
            }
            HttpLoad.Result fixed = HttpLoad.openLoop(port, fleet.paths, options.rate(), options.seconds(), 16, "fixed-rate");
            out.printf(Locale.ROOT, "  fixed rate %,d req/s offered (open loop, 16 keep-alive connections): %,.0f/s "
                            + "achieved, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, %d errors%n", options.rate(),
                    fixed.achievedPerSecond(), fixed.percentileNanos(0.5) / 1e6, fixed.percentileNanos(0.99) / 1e6,
                    fixed.percentileNanos(0.999) / 1e6, fixed.errors());
            long rssAfter = rssKb(serve.pid());
            out.printf(Locale.ROOT, "  resident memory after the load: %.0f MB%n", rssAfter / 1024.0);
            summary.add(String.format(Locale.ROOT, "HTTP %s: first lookup %.2f s, RSS %.0f MB loaded / %.0f MB after "
                            + "load, best %,.0f req/s, p99 at %,d/s %.2f ms", label, firstLookup, rssLoaded / 1024.0,
                    rssAfter / 1024.0, best, options.rate(), fixed.percentileNanos(0.99) / 1e6));
            httpBest = Math.max(httpBest, best);
        } finally {
            serve.destroy();
            if (!serve.waitFor(30, TimeUnit.SECONDS)) {
                serve.destroyForcibly();
            }
        }
        return summary;
    }

    private double httpBest;

    /** With -XX:NativeMemoryTracking=summary in --serve-jvm-args: where serve's memory goes (jcmd VM.native_memory). */
    private void nativeMemory(long pid) throws Exception {
        if (options.serveJvmArgs().stream().noneMatch(a -> a.startsWith("-XX:NativeMemoryTracking="))) {
            return;
        }
        Process jcmd = new ProcessBuilder("jcmd", String.valueOf(pid), "VM.native_memory", "summary", "scale=MB")
                .redirectErrorStream(true).start();
        String report = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor();
        out.println("  native memory (jcmd VM.native_memory summary, MB reserved / committed):");
        for (String line : report.split("\n")) {
            String l = line.trim();
            if (l.startsWith("Total:") || l.startsWith("-") && l.contains("committed=")) {
                out.println("    " + l.replaceAll("\\s+", " "));
            }
        }
    }

    /** Runs wrk; returns requests/s, p50, p99, p99.9 (microseconds) and errors (socket errors and non-2xx). */
    private double[] wrk(int port, Path lua, int connections, int seconds) throws Exception {
        Process wrk = new ProcessBuilder("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--timeout", "5s",
                "-s", lua.toString(), "http://127.0.0.1:" + port).redirectErrorStream(true).start();
        String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        wrk.waitFor();
        for (String line : output.split("\n")) {
            if (line.startsWith("NBRESULT ")) {
                String[] f = line.trim().split(" ");
                double requests = Double.parseDouble(f[1]);
                double durationMicros = Double.parseDouble(f[2]);
                return new double[] {requests / (durationMicros / 1e6), Double.parseDouble(f[5]),
                        Double.parseDouble(f[6]), Double.parseDouble(f[7]),
                        Double.parseDouble(f[3]) + Double.parseDouble(f[4])};
            }
        }
        throw new IllegalStateException("wrk printed no result:\n" + output);
    }

    private static final String WRK_SCRIPT = """
            -- random (tenant, customer) lookups from the benchmark's sample; prints one parseable line
            local paths = {}
            for line in io.lines("PATHS") do paths[#paths + 1] = line end
            request = function()
              return wrk.format("GET", paths[math.random(#paths)])
            end
            done = function(summary, latency, requests)
              local e = summary.errors
              io.write(string.format("NBRESULT %d %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
                e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(99),
                latency:percentile(99.9), latency.max))
            end
            """;

    private void ensureWrk() throws Exception {
        if (onPath("wrk")) {
            return;
        }
        out.println("wrk is missing: installing Debian's wrk with apt-get");
        Process install = new ProcessBuilder("apt-get", "install", "-y", "wrk").inheritIO().start();
        if (install.waitFor() != 0 || !onPath("wrk")) {
            throw new IllegalStateException("cannot install wrk (apt-get install -y wrk failed); install it and rerun");
        }
    }

    private static boolean onPath(String tool) throws Exception {
        return new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() == 0;
    }

    // ---------------------------------------------------------------- Redis

    private List<String> redis(int valueBytes) throws Exception {
        out.println();
        if (!onPath("redis-benchmark")) {
            out.println("redis-benchmark is missing (apt-get install redis-tools): no Redis reference");
            return List.of("Redis: not measured (redis-benchmark missing)");
        }
        // its own database number, emptied afterwards, so the shared Redis keeps everything else
        String db = "9";
        int keys = 100_000;
        int populated = runRedis(List.of("-t", "set", "-n", String.valueOf(keys * 2), "-r", String.valueOf(keys),
                "-d", String.valueOf(valueBytes), "-c", "32")).isEmpty() ? 0 : keys;
        out.printf(Locale.ROOT, "redis-benchmark GET against 127.0.0.1:6379 (db %s, %,d random keys, %d-byte values "
                + "= the size of one lookup answer)%n", db, populated, valueBytes);
        double best = 0;
        for (int connections : options.connections()) {
            List<String[]> rows = runRedis(List.of("-t", "get", "-n", String.valueOf(Math.max(200_000,
                    40_000 * options.seconds())), "-r", String.valueOf(keys), "-d", String.valueOf(valueBytes), "-c",
                    String.valueOf(connections)));
            for (String[] row : rows) {
                double rps = Double.parseDouble(row[1]);
                out.printf(Locale.ROOT, "  redis GET %3d clients: %,9.0f req/s, p50 %s ms, p99 %s ms%n", connections,
                        rps, row[4], row[6]);
                best = Math.max(best, rps);
            }
        }
        new ProcessBuilder("redis-cli", "-h", "127.0.0.1", "-p", "6379", "-n", db, "flushdb").start().waitFor();
        List<String> summary = new ArrayList<>();
        summary.add(String.format(Locale.ROOT, "Redis GET: best %,.0f req/s", best));
        if (best > 0) {
            summary.add(String.format(Locale.ROOT, "HTTP best / Redis best = %.0f%%", 100 * httpBest / best));
        }
        summary.add(String.format(Locale.ROOT, "in-process reader: p99 %.2f us, %.3f bytes allocated per lookup",
                inProcessP99, inProcessAllocated));
        return summary;
    }

    /** Runs redis-benchmark with CSV output; returns its data rows (test, rps, avg, min, p50, p95, p99, max). */
    private static List<String[]> runRedis(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of("redis-benchmark", "-h", "127.0.0.1", "-p", "6379", "--dbnum", "9",
                "--csv"));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        List<String[]> rows = new ArrayList<>();
        for (String line : output.split("\n")) {
            String[] f = line.replace("\"", "").trim().split(",");
            if (f.length >= 7 && !f[0].equals("test")) {
                try {
                    Double.parseDouble(f[1]);
                    rows.add(f);
                } catch (NumberFormatException notData) {
                    // a header or progress line
                }
            }
        }
        return rows;
    }

    // ---------------------------------------------------------------- helpers

    private void printMachine() throws IOException {
        String load = Files.exists(Path.of("/proc/loadavg")) ? Files.readString(Path.of("/proc/loadavg")).trim() : "?";
        out.printf(Locale.ROOT, "machine: %d cores, %s %s, Java %s, load average %s (other builds share this "
                        + "machine: figures are pessimistic)%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"), load);
    }

    private void child(String what, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(java, "-jar", jar));
        command.addAll(args);
        Path log = options.home().resolve("bench-" + what + ".log");
        Files.createDirectories(options.home());
        long start = System.nanoTime();
        int code = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start().waitFor();
        if (code != 0) {
            throw new IllegalStateException(what + " failed with exit code " + code + "; see " + log);
        }
        out.printf(Locale.ROOT, "fleet: %s took %.0f s (log %s)%n", what, (System.nanoTime() - start) / 1e9, log);
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** The body of a GET answered 200, or null (not listening yet, or another status). */
    private static String tryGet(int port, String path) {
        try (HttpLoad.KeepAliveClient client = new HttpLoad.KeepAliveClient(port)) {
            return client.getBody(path);
        } catch (IOException e) {
            return null;
        }
    }

    private static String readiness(int port) {
        try (HttpLoad.KeepAliveClient client = new HttpLoad.KeepAliveClient(port)) {
            return client.get("/actuator/health/readiness") == 200 ? "ready" : "loading";
        } catch (IOException e) {
            return "down";
        }
    }
}

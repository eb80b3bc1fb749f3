package io.nightbake.bench;

import io.nightbake.batch.NightlyJobConfig;
import io.nightbake.batch.NightlyLauncher;
import io.nightbake.batch.SparkProvider;
import io.nightbake.serving.RecommendationIndex;
import io.nightbake.serving.ServingService;
import io.nightbake.serving.TenantSnapshotIndex;
import java.io.PrintStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Measures a night on a generated fleet and the daytime lookups that follow: pairs scored per second per core in the
 * prebake phase, the time of each phase, and lookup latency (p50/p99) and throughput over HTTP on loopback at a fixed
 * request rate. The load generator runs in the same JVM as the server, sharing its cores: figures are pessimistic.
 */
public final class PrebakeBenchmark {

    private PrebakeBenchmark() {
    }

    public static void run(ConfigurableApplicationContext context, LocalDate runDate, int lookupRate, int lookupSeconds,
                           PrintStream out) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        out.printf(Locale.ROOT, "machine: %d cores, %s %s, Java %s, max heap %d MB%n", cores, System.getProperty("os.name"),
                System.getProperty("os.arch"), Runtime.version(), Runtime.getRuntime().maxMemory() >> 20);
        ServingService serving = context.getBean(ServingService.class);
        serving.start();
        long sparkStart = System.nanoTime();
        context.getBean(SparkProvider.class).session();
        out.printf(Locale.ROOT, "spark local[%d] session started in %.1f s (once per process)%n", cores,
                (System.nanoTime() - sparkStart) / 1e9);
        JobExecution execution = context.getBean(NightlyLauncher.class).run(runDate);
        execution = context.getBean(JobRepository.class).getJobExecution(execution.getId());
        out.printf("nightly run %s: %s%n", runDate, execution.getStatus());

        long pairs = 0;
        long rows = 0;
        long tenantMillis = 0;
        for (StepExecution step : execution.getStepExecutions()) {
            if (step.getStepName().startsWith(NightlyJobConfig.PREBAKE_WORKER + ":")) {
                pairs += step.getExecutionContext().getLong("pairsScored", 0L);
                tenantMillis += step.getExecutionContext().getLong("millis", 0L);
                rows += step.getWriteCount();
            }
        }
        out.println("phase times:");
        double prebakeSeconds = 0;
        for (StepExecution step : execution.getStepExecutions()) {
            if (!step.getStepName().contains(":")) {
                double seconds = Duration.between(step.getStartTime(), step.getEndTime()).toMillis() / 1000.0;
                out.printf(Locale.ROOT, "  %-16s %8.2f s%n", step.getStepName(), seconds);
                if (step.getStepName().equals("prebake")) {
                    prebakeSeconds = seconds;
                }
            }
        }
        out.printf(Locale.ROOT, "prebake: %,d customer x product pairs scored, %,d rows written%n", pairs, rows);
        out.printf(Locale.ROOT, "  %.1f million pairs/s/core over the whole phase (%d cores; Spark job, reading data, "
                + "rules, top-K and Parquet included)%n", pairs / prebakeSeconds / cores / 1e6, cores);
        out.printf(Locale.ROOT, "  %.1f million pairs/s/core while scoring (pairs / summed per-tenant scoring time; each "
                + "tenant is scored on one core)%n", pairs / (tenantMillis / 1000.0) / 1e6);

        serving.refresh();
        System.gc(); // measure serving in steady state, not the collection of the night's training garbage
        lookups(context, serving.index(), lookupRate, lookupSeconds, out);
    }

    /**
     * Open-loop load: requests are due at a fixed rate and latency counts from when each was due, so a slow answer
     * also delays the ones queued behind it (no coordinated omission). Each load thread keeps one HTTP/1.1
     * keep-alive connection, as a service calling the API would.
     */
    private static void lookups(ConfigurableApplicationContext context, RecommendationIndex index, int rate, int seconds,
                                PrintStream out) throws Exception {
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        List<String> paths = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(7);
        for (String tenant : index.tenants()) {
            TenantSnapshotIndex snapshot = index.get(tenant);
            for (int i = 0; i < 50; i++) {
                String customer = snapshot.customerIdAt(random.nextInt(snapshot.customerCount()));
                paths.add("/api/v1/tenants/" + tenant + "/customers/" + customer + "/recommendations?limit=10");
            }
        }
        if (paths.isEmpty()) {
            out.println("lookups: nothing published, nothing to measure");
            return;
        }
        int threads = 8;
        try (KeepAliveClient warm = new KeepAliveClient(port)) {
            for (int i = 0; i < 5000; i++) {
                warm.get(paths.get(i % paths.size()));
            }
        }
        int total = rate * seconds;
        long[] latencies = new long[total];
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime() + 50_000_000L;
        long intervalNanos = 1_000_000_000L / rate;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread worker = new Thread(() -> {
                try (KeepAliveClient client = new KeepAliveClient(port)) {
                    for (int i = first; i < total; i += threads) {
                        long due = start + i * intervalNanos;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        if (client.get(paths.get(i % paths.size())) != 200) {
                            errors.incrementAndGet();
                        }
                        latencies[i] = System.nanoTime() - due;
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                }
            }, "lookup-load-" + t);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        Arrays.sort(latencies);
        out.printf(Locale.ROOT, "lookups over HTTP on loopback: %d requests at %d/s offered, %.0f/s achieved, %d errors; "
                        + "latency p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", total, rate, total / elapsed, errors.get(),
                latencies[total / 2] / 1e6, latencies[(int) (total * 0.99)] / 1e6, latencies[total - 1] / 1e6);
    }

    /** A minimal HTTP/1.1 client on one keep-alive connection: GET, read the status and skip the body. */
    private static final class KeepAliveClient implements AutoCloseable {
        private final int port;
        private Socket socket;
        private OutputStream out;
        private InputStream in;

        KeepAliveClient(int port) throws IOException {
            this.port = port;
            connect();
        }

        private void connect() throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            out = new BufferedOutputStream(socket.getOutputStream());
            in = new BufferedInputStream(socket.getInputStream());
        }

        /** GETs {@code path}; reconnects once when the server closed the kept-alive connection. */
        int get(String path) throws IOException {
            try {
                return exchange(path);
            } catch (IOException closed) {
                socket.close();
                connect();
                return exchange(path);
            }
        }

        private int exchange(String path) throws IOException {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = line();
            int contentLength = -1;
            boolean chunked = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    contentLength = Integer.parseInt(lower.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            if (chunked) {
                for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
                    in.skipNBytes(size);
                    line();
                }
                line();
            } else if (contentLength > 0) {
                in.skipNBytes(contentLength);
            }
            return Integer.parseInt(status.split(" ")[1]);
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}

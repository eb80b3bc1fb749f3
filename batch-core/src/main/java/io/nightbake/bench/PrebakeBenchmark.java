package io.nightbake.bench;

import io.nightbake.batch.NightlyJobConfig;
import io.nightbake.batch.NightlyLauncher;
import io.nightbake.batch.SparkProvider;
import io.nightbake.serving.RecommendationIndex;
import io.nightbake.serving.ServingService;
import io.nightbake.serving.TenantSnapshotIndex;
import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
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
        try (HttpLoad.KeepAliveClient warm = new HttpLoad.KeepAliveClient(port)) {
            for (int i = 0; i < 5000; i++) {
                warm.get(paths.get(i % paths.size()));
            }
        }
        HttpLoad.Result load = HttpLoad.openLoop(port, paths, rate, seconds, 8, "lookup-load");
        out.printf(Locale.ROOT, "lookups over HTTP on loopback: %d requests at %d/s offered, %.0f/s achieved, %d errors; "
                        + "latency p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", load.requests(), rate, load.achievedPerSecond(),
                load.errors(), load.percentileNanos(0.5) / 1e6, load.percentileNanos(0.99) / 1e6,
                load.percentileNanos(1.0) / 1e6);
    }
}

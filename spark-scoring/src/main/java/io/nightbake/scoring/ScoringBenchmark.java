package io.nightbake.scoring;

import io.nightbake.config.AlgorithmSettings;
import io.nightbake.config.Feature;
import io.nightbake.retrain.data.TenantDataWriter;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.model.ModelArtifacts;
import io.nightbake.retrain.model.RankingFactors;
import io.nightbake.retrain.onnx.OnnxRankingModelExporter;
import io.nightbake.retrain.pipeline.TenantRetrainer;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.retrain.train.FeatureEncoder;
import io.nightbake.retrain.train.TribuoFmTrainer;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Measures prebaking throughput (not a test): generates one synthetic tenant, trains a champion with Tribuo at the
 * given rank, then scores it through {@link TenantScorer} on one thread for each batch size, and through
 * {@link PrebakeJob} on {@code local[cores]} with one copy of the tenant per core. Prints pairs per second per
 * core and where the time went.
 * <pre>
 * java ... io.nightbake.scoring.ScoringBenchmark [--customers 20000] [--products 5000] [--rank 16] [--k 20]
 *     [--batch 16,64,256] [--epochs 1] [--repeat 2] [--spark-cores 2] [--verify 200] [--dir /tmp/nightbake-bench]
 * </pre>
 * Spark needs the {@code --add-opens} of the project's {@code spark.add.opens} property on Java 17.
 */
public final class ScoringBenchmark {

    private static final List<Feature> FEATURES = List.of(Feature.CUSTOMER_ID, Feature.PRODUCT_ID,
            Feature.CUSTOMER_REGION, Feature.PRODUCT_CATEGORY);
    private static final LocalDate RUN_DATE = LocalDate.of(2026, 11, 2);
    /** Realistic rules: every kind of mask is in play. */
    private static final ScoringRules RULES = new ScoringRules(true, true, Set.of("grocery"),
            Map.of("north", Set.of("electronics", "home", "garden", "toys", "books", "sports")), null);

    private ScoringBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> options = parse(args);
        int customers = Integer.parseInt(options.getOrDefault("customers", "20000"));
        int products = Integer.parseInt(options.getOrDefault("products", "5000"));
        int rank = Integer.parseInt(options.getOrDefault("rank", "16"));
        int k = Integer.parseInt(options.getOrDefault("k", "20"));
        int epochs = Integer.parseInt(options.getOrDefault("epochs", "1"));
        int repeat = Integer.parseInt(options.getOrDefault("repeat", "2"));
        int sparkCores = Integer.parseInt(options.getOrDefault("spark-cores", "2"));
        int[] batches = Arrays.stream(options.getOrDefault("batch", "16,64,256").split(","))
                .mapToInt(Integer::parseInt).toArray();
        Path dir = Path.of(options.getOrDefault("dir", System.getProperty("java.io.tmpdir") + "/nightbake-scoring-bench"));

        printMachine();
        System.out.printf(Locale.ROOT, "tenant: %,d customers x %,d products = %,d pairs, rank %d, k %d%n",
                customers, products, (long) customers * products, rank, k);

        long t0 = System.nanoTime();
        FleetSpec spec = FleetSpec.defaults().withTenants(1).withLargestTenant(customers, products)
                .withSmallestCustomers(Math.min(customers, 40)).withRank(rank);
        TenantDataset data = new SyntheticFleetGenerator().generateTenant(spec, 1);
        Path dataDir = dir.resolve("data").resolve(data.tenant().value());
        TenantDataWriter.write(dataDir, data);
        System.out.printf(Locale.ROOT, "generated %s in %.1f s%n", data, seconds(t0));

        t0 = System.nanoTime();
        TribuoFmTrainer trainer = new TribuoFmTrainer(new AlgorithmSettings(AlgorithmSettings.TRIBUO_FM, rank, epochs,
                0.05, 0.1, 42L));
        FeatureEncoder encoder = new FeatureEncoder(FEATURES);
        FactorizationMachine model = trainer.train(data, encoder, IntStream.range(0, data.interactionCount()).toArray());
        Path modelDir = dir.resolve("models").resolve(data.tenant().value());
        RankingFactors ranking = TenantRetrainer.fold(model, data, encoder);
        ModelArtifacts.write(modelDir, model, ranking, OnnxRankingModelExporter.export(ranking, "bench"));
        System.out.printf(Locale.ROOT, "trained the champion (Tribuo FM, rank %d, %d epoch(s)) in %.1f s%n",
                model.rank(), epochs, seconds(t0));

        long pairs = (long) data.customerCount() * data.productCount();
        int defaultRows = ScoringOptions.DEFAULTS.rowsPerBatch(data.customerCount(), data.productCount());
        System.out.println();
        System.out.println("TenantScorer, one thread (intra-op threads = 1):");
        System.out.println("      batch  run   wall s  pairs/s/core   read  fold+export  session  mask   ORT run  top-K+write (s)");
        List<String> labels = new ArrayList<>();
        List<ScoringOptions> variants = new ArrayList<>();
        for (int batch : batches) {
            // the batch size alone decides (no pair cap), to show its effect
            labels.add(String.valueOf(batch));
            variants.add(ScoringOptions.DEFAULTS.withBatchSize(batch).withMaxBatchPairs(Integer.MAX_VALUE));
        }
        labels.add("dflt " + defaultRows);
        variants.add(ScoringOptions.DEFAULTS);
        for (int v = 0; v < variants.size(); v++) {
            for (int run = 0; run <= repeat; run++) { // run 0 warms up the JIT and ONNX Runtime
                try (OrtSessionCache sessions = new OrtSessionCache(2, Long.MAX_VALUE)) {
                    ScoringTask task = task(data.tenant().value(), dataDir, modelDir, k, dir.resolve("out-single"), pairs);
                    ScoringResult result = new TenantScorer(variants.get(v), sessions).score(task);
                    printRow(labels.get(v), run == 0 ? "warm" : String.valueOf(run), result, 1);
                }
            }
        }

        verify(data, model, dir.resolve("out-single").resolve(data.tenant().value()).resolve(RecommendationsFile.FILE_NAME),
                k, Integer.parseInt(options.getOrDefault("verify", "200")));

        if (sparkCores > 1) {
            System.out.println();
            System.out.printf(Locale.ROOT, "TenantScorer on %d plain threads at once, one tenant copy each (no Spark), "
                    + "default options (%d customers per call):%n", sparkCores, defaultRows);
            double best = 0;
            for (int run = 0; run <= repeat; run++) {
                List<ScoringTask> tasks = new ArrayList<>();
                for (int copy = 0; copy < sparkCores; copy++) {
                    tasks.add(task("threads-" + copy, dataDir, modelDir, k, dir.resolve("out-threads"), pairs));
                }
                TenantScorer scorer = new TenantScorer();
                List<ScoringResult> results = new ArrayList<>();
                java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(sparkCores);
                long start = System.nanoTime();
                try {
                    for (java.util.concurrent.Future<ScoringResult> result
                            : threads.invokeAll(tasks.stream().map(t -> (java.util.concurrent.Callable<ScoringResult>) () -> scorer.score(t)).toList())) {
                        results.add(result.get());
                    }
                } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e);
                } finally {
                    threads.shutdown();
                }
                double wall = seconds(start);
                best = Math.max(best, printParallel(run, wall, results, pairs, sparkCores));
            }
            System.out.printf(Locale.ROOT, "  best  %,.0f pairs/s/core (other load on the machine slows some runs: compare the best)%n", best);
        }

        if (sparkCores > 0) {
            System.out.println();
            System.out.printf(Locale.ROOT, "PrebakeJob on local[%d], %d copies of the tenant (one per core), default options "
                    + "(%d customers per call):%n", sparkCores, sparkCores, defaultRows);
            SparkSession spark = SparkSessions.local(sparkCores);
            List<ScoringTask> tasks = new ArrayList<>();
            for (int copy = 0; copy < sparkCores; copy++) {
                tasks.add(task("bench-" + copy, dataDir, modelDir, k, dir.resolve("out-spark"), pairs));
            }
            double best = 0;
            for (int run = 0; run <= repeat; run++) {
                long start = System.nanoTime();
                List<ScoringResult> results = new PrebakeJob().run(spark, tasks, sparkCores);
                best = Math.max(best, printParallel(run, seconds(start), results, pairs, sparkCores));
            }
            System.out.printf(Locale.ROOT, "  best  %,.0f pairs/s/core%n", best);
            SparkSessions.stop();
        }
    }

    private static ScoringTask task(String tenant, Path dataDir, Path modelDir, int k, Path out, long pairs) {
        return new ScoringTask(tenant, dataDir.toString(), modelDir.toString(), 1, RUN_DATE, RULES, FEATURES, k,
                out.resolve(tenant).resolve(RecommendationsFile.FILE_NAME).toString(), pairs);
    }

    private static void printRow(String batch, String run, ScoringResult result, int cores) {
        if (!result.succeeded()) {
            throw new IllegalStateException(result.error());
        }
        ScoringResult.Phases p = result.phases();
        double wall = result.millis() / 1000.0;
        System.out.printf(Locale.ROOT, "  %9s  %-4s %7.2f  %,12.0f  %5.2f  %11.2f  %7.2f  %5.2f  %8.2f  %11.2f%n",
                batch, run, wall, result.pairsScored() / wall / cores, p.readNanos() / 1e9, p.foldExportNanos() / 1e9,
                p.sessionNanos() / 1e9, p.maskNanos() / 1e9, p.runNanos() / 1e9, p.writeNanos() / 1e9);
    }

    /** Prints one run of several tenants at once and returns its pairs per second per core. */
    private static double printParallel(int run, double wall, List<ScoringResult> results, long pairs, int cores) {
        ScoringResult.Phases phases = ScoringResult.Phases.NONE;
        for (ScoringResult result : results) {
            if (!result.succeeded()) {
                throw new IllegalStateException(result.error());
            }
            phases = phases.plus(result.phases());
        }
        long total = pairs * results.size();
        System.out.printf(Locale.ROOT, "  %-5s wall %.2f s  %,.0f pairs/s/core  (summed over tenants: %s)%n",
                run == 0 ? "warm" : String.valueOf(run), wall, total / wall / cores, describe(phases));
        return run == 0 ? 0 : total / wall / cores;
    }

    /** Checks a sample of customers' lists against a one-pair-at-a-time ranking straight from the model. */
    private static void verify(TenantDataset data, FactorizationMachine model, Path file, int k, int sample) {
        if (sample <= 0) {
            return;
        }
        RankingFactors factors = TenantRetrainer.fold(model, data, new FeatureEncoder(FEATURES));
        ScoreMasks masks = ScoreMasks.build(data, RULES);
        Map<String, List<RecommendationsFile.Row>> lists = new java.util.HashMap<>();
        RecommendationsFile.forEach(file, row -> lists.computeIfAbsent(row.customerId(), c -> new ArrayList<>()).add(row));
        if (lists.size() != data.customerCount()) {
            throw new IllegalStateException("expected " + data.customerCount() + " customers in " + file + ", found "
                    + lists.size());
        }
        int step = Math.max(1, data.customerCount() / sample);
        int checked = 0;
        double worst = 0;
        for (int c = 0; c < data.customerCount(); c += step) {
            float[] scores = new float[data.productCount()];
            Integer[] order = new Integer[data.productCount()];
            int n = 0;
            for (int p = 0; p < data.productCount(); p++) {
                if (masks.allowed(c, p)) {
                    scores[p] = factors.score(c, p);
                    order[n++] = p;
                }
            }
            Arrays.sort(order, 0, n, (a, b) -> Float.compare(scores[b], scores[a]));
            List<RecommendationsFile.Row> rows = lists.get(data.customerId(c));
            int expected = Math.min(k, n);
            if (rows.size() != Math.max(1, expected)) {
                throw new IllegalStateException("customer " + data.customerId(c) + ": " + rows.size() + " rows, expected "
                        + expected);
            }
            for (int i = 0; i < expected; i++) {
                RecommendationsFile.Row row = rows.get(i);
                int p = data.productIndex(row.productId());
                double error = Math.max(Math.abs(row.score() - scores[order[i]]), Math.abs(row.score() - factors.score(c, p)));
                if (!masks.allowed(c, p) || error > 1e-4) {
                    throw new IllegalStateException("customer " + data.customerId(c) + " rank " + (i + 1) + ": got "
                            + row.productId() + " " + row.score() + ", expected " + data.productId(order[i]) + " "
                            + scores[order[i]]);
                }
                worst = Math.max(worst, error);
            }
            checked++;
        }
        System.out.printf(Locale.ROOT, "verified %d customers' lists against brute force: max score error %.2e%n",
                checked, worst);
    }

    private static String describe(ScoringResult.Phases p) {
        return String.format(Locale.ROOT, "read %.2f, fold+export %.2f, session %.2f, mask %.2f, ORT run %.2f, "
                        + "top-K+write %.2f s", p.readNanos() / 1e9, p.foldExportNanos() / 1e9, p.sessionNanos() / 1e9,
                p.maskNanos() / 1e9, p.runNanos() / 1e9, p.writeNanos() / 1e9);
    }

    private static void printMachine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        System.out.printf(Locale.ROOT, "machine: %s, %d cores, %s %s, Java %s, max heap %d MB%n", cpu,
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.arch"),
                Runtime.version(), Runtime.getRuntime().maxMemory() >> 20);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: ScoringBenchmark [--customers N] [--products N] [--rank N] "
                        + "[--k N] [--batch N,N,...] [--epochs N] [--repeat N] [--spark-cores N] [--verify N] [--dir PATH]; got '"
                        + args[i] + "'");
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }
}

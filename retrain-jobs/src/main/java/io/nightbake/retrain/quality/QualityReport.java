package io.nightbake.retrain.quality;

import io.nightbake.config.TemplateLoader;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.jdbc.Jdbc;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.model.RankingMetrics;
import io.nightbake.model.ServedRanking;
import io.nightbake.retrain.data.TenantDataReader;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.importer.ImportReport;
import io.nightbake.retrain.importer.OnlineRetailImporter;
import io.nightbake.retrain.importer.TenantBy;
import io.nightbake.retrain.pipeline.HoldoutSplit;
import io.nightbake.retrain.pipeline.RetrainOutcome;
import io.nightbake.retrain.pipeline.TenantRetrainer;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.logging.Logger;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * Runs the real pipeline ({@link TenantRetrainer}, the template given or the built-in one) on public data and prints
 * one line per tenant: MovieLens-100K folds u1..u5 (explicit ratings, published holdouts) and every country tenant of
 * UCI Online Retail (implicit purchases, imported with {@link OnlineRetailImporter}, the most recent 20% held out).
 * Per tenant: interactions, trainer, holdout RMSE and the global-mean baseline's, precision@K and NDCG@K of the model
 * and of the popularity baseline, customers evaluated, training time, the published ranking with its NDCG@K, catalogue
 * coverage (and popularity's), the top product's share of the lists and why it was published, and the gate's decision
 * for a first model.
 *
 * <p>Models go to a temporary folder and a throwaway in-memory H2 registry (H2 must be on the class path, as it is in
 * the application and the tests); nothing else is touched. Takes well under a minute on 2 cores.
 */
public final class QualityReport {

    /** One tenant's figures; {@code error} is set (and the figures are not) when its retraining failed. */
    public record Row(String source, String tenant, long rows, String trainer, double rmse, double baselineRmse,
                      RankingMetrics model, RankingMetrics popularity, long trainMillis, String decision, String error,
                      ServedRanking served) {

        Row(String source, String tenant, long rows, String error) {
            this(source, tenant, rows, "-", Double.NaN, Double.NaN, null, null, 0, "-", error, null);
        }

        /** The published lists' NDCG@K on the holdout (the served ranking's, popularity's when the guard fell back). */
        public double publishedNdcg() {
            return served == null || served.ndcg() == null ? Double.NaN : served.ndcg();
        }
    }

    private QualityReport() {
    }

    /** {@code java ... QualityReport <shared-data-dir> [template.yaml]} */
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: QualityReport <shared-data-dir holding movielens-100k/ and online-retail/> [template.yaml]");
            System.exit(2);
        }
        run(Path.of(args[0]), args.length > 1 ? TemplateLoader.load(args[1]) : TemplateLoader.loadDefault(), System.out);
    }

    /** Runs with the built-in template. */
    public static List<Row> run(Path sharedDataDir, PrintStream out) {
        return run(sharedDataDir, TemplateLoader.loadDefault(), out);
    }

    public static List<Row> run(Path sharedDataDir, TemplatePipeline template, PrintStream out) {
        Path movieLens = sharedDataDir.resolve("movielens-100k");
        Path retail = sharedDataDir.resolve("online-retail").resolve("online-retail.csv.gz");
        if (!Files.isDirectory(movieLens) || !Files.isRegularFile(retail)) {
            throw new IllegalArgumentException("the quality report needs " + movieLens + " and " + retail
                    + "; pass the folder that holds movielens-100k/ and online-retail/");
        }
        long start = System.nanoTime();
        out.printf(Locale.ROOT, "Nightbake quality report: template %s, %s %s on %d cores, %s%n", template.reference(),
                System.getProperty("java.vm.name"), Runtime.version(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.arch"));
        Path work = createTempDirectory();
        try {
            DataSource db = new InMemoryH2("quality-" + UUID.randomUUID());
            Jdbc.migrate(db);
            Clock clock = Clock.systemUTC();
            TenantRegistry tenants = new TenantRegistry(db, clock);
            ModelRegistry registry = new ModelRegistry(db, clock);
            TenantRetrainer retrainer = new TenantRetrainer(template, registry, work.resolve("models"), clock);
            List<Row> rows = new ArrayList<>();
            header(out, template.evaluation().k());

            for (int k = 1; k <= 5; k++) {
                MovieLensFolds.Fold fold = MovieLensFolds.load(movieLens, k);
                tenants.register(fold.data().tenant(), TenantState.ON, "quality-report", "MovieLens-100K fold u" + k);
                rows.add(print(out, retrain(retrainer, registry, "movielens", fold.data(), fold.split(), LocalDate.of(1998, 4, 23))));
            }

            long importStart = System.nanoTime();
            ImportReport imported = OnlineRetailImporter.importFile(retail, work.resolve("retail"), TenantBy.COUNTRY);
            long importMillis = (System.nanoTime() - importStart) / 1_000_000;
            for (ImportReport.TenantImport t : imported.tenants()) {
                TenantId id = TenantId.of(t.tenantId());
                tenants.register(id, TenantState.ON, "quality-report", "Online Retail " + t.country());
                Row row;
                try {
                    TenantDataset data = TenantDataReader.read(id, work.resolve("retail").resolve(t.tenantId()));
                    row = retrain(retrainer, registry, "retail", data,
                            HoldoutSplit.mostRecent(data, template.holdoutFraction(), Long.MAX_VALUE), LocalDate.of(2011, 12, 9));
                } catch (RuntimeException e) {
                    row = new Row("retail", t.tenantId(), t.interactions(), e.getMessage());
                }
                rows.add(print(out, row));
            }
            summary(out, rows, imported, importMillis, (System.nanoTime() - start) / 1_000_000);
            return rows;
        } finally {
            deleteRecursively(work);
        }
    }

    private static Row retrain(TenantRetrainer retrainer, ModelRegistry registry, String source, TenantDataset data,
                               HoldoutSplit split, LocalDate runDate) {
        try {
            RetrainOutcome outcome = retrainer.retrain(data, split, runDate, System.nanoTime());
            // the trained model's figures, also when it was rejected and the popularity baseline serves instead
            ModelVersion v = outcome.rejectedFirstModel() != null ? outcome.rejectedFirstModel() : outcome.version();
            String decision = v.decision().name().toLowerCase(Locale.ROOT) + " (" + v.gateMetric() + ")"
                    + (outcome.rejectedFirstModel() != null ? ", popularity serves" : "");
            // what is published: the champion's served ranking (the popularity version's when the first model was rejected)
            ServedRanking served = registry.servedRanking(data.tenant(), outcome.version().version()).orElse(null);
            return new Row(source, data.tenant().value(), data.interactionCount(), v.algorithm(), v.challengerRmse(),
                    v.baselineRmse(), v.ranking(), v.popularityRanking(), outcome.trainMillis(), decision, null, served);
        } catch (RuntimeException e) {
            return new Row(source, data.tenant().value(), data.interactionCount(), e.getMessage());
        }
    }

    private static void header(PrintStream out, int k) {
        out.printf(Locale.ROOT, "%-22s %8s %-10s %7s %7s | %7s %8s | %7s %8s | %5s %7s | %-34s %8s %6s %6s %5s  %s%n",
                "tenant", "rows", "trainer", "RMSE", "mean", "P@" + k, "NDCG@" + k, "pop P", "pop NDCG", "cust", "train",
                "published ranking", "pub NDCG", "cover", "pop cv", "top", "first-model gate");
        out.println("-".repeat(190));
    }

    private static Row print(PrintStream out, Row r) {
        if (r.error() != null) {
            out.printf(Locale.ROOT, "%-22s %8d  failed: %s%n", r.tenant(), r.rows(), r.error());
            return r;
        }
        ServedRanking s = r.served();
        out.printf(Locale.ROOT, "%-22s %8d %-10s %7.4f %7.4f | %7s %8s | %7s %8s | %5s %5d ms | %-34s %8s %6s %6s %5s  %s%n",
                r.tenant(), r.rows(), r.trainer(), r.rmse(), r.baselineRmse(), figure(r.model(), true),
                figure(r.model(), false), figure(r.popularity(), true), figure(r.popularity(), false),
                r.model() == null ? "-" : String.valueOf(r.model().customers()), r.trainMillis(),
                s == null ? "-" : s.ranking(), number(s == null ? null : s.ndcg()), number(s == null ? null : s.coverage()),
                number(s == null ? null : s.popularityCoverage()), number(s == null ? null : s.topProductShare()), r.decision());
        if (s != null) {
            out.printf(Locale.ROOT, "%22s   why: %s%n", "", s.reason());
        }
        return r;
    }

    private static String number(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.3f", value);
    }

    private static String figure(RankingMetrics m, boolean precision) {
        return m == null ? "-" : String.format(Locale.ROOT, "%.4f", precision ? m.precision() : m.ndcg());
    }

    private static void summary(PrintStream out, List<Row> rows, ImportReport imported, long importMillis, long totalMillis) {
        out.println("-".repeat(190));
        List<Row> ml = rows.stream().filter(r -> r.source().equals("movielens") && r.error() == null).toList();
        out.printf(Locale.ROOT, "MovieLens-100K u1..u5: mean holdout RMSE %.4f (published: SVD++ 0.919, SVD 0.934, Spark ALS 0.929), "
                        + "mean training %d ms%n", ml.stream().mapToDouble(Row::rmse).average().orElse(Double.NaN),
                (long) ml.stream().mapToLong(Row::trainMillis).average().orElse(0));
        List<Row> mlServed = ml.stream().filter(r -> r.served() != null).toList();
        double published = mlServed.stream().mapToDouble(Row::publishedNdcg).average().orElse(Double.NaN);
        double popular = mlServed.stream().mapToDouble(r -> r.served().popularityNdcg()).average().orElse(Double.NaN);
        out.printf(Locale.ROOT, "MovieLens-100K u1..u5: published lists' mean NDCG@10 %.4f vs popularity %.4f (x%.2f; target >= "
                        + "x1.20 and above on every fold: %s); mean coverage %.3f vs popularity %.3f%n", published, popular,
                published / popular, mlServed.size() == ml.size() && mlServed.stream()
                        .allMatch(r -> r.publishedNdcg() > r.served().popularityNdcg()) ? "every fold above" : "NOT every fold",
                mlServed.stream().mapToDouble(r -> r.served().coverage()).average().orElse(Double.NaN),
                mlServed.stream().mapToDouble(r -> r.served().popularityCoverage()).average().orElse(Double.NaN));
        List<Row> retail = rows.stream().filter(r -> r.source().equals("retail")).toList();
        List<Row> big = retail.stream().filter(r -> r.rows() >= 1000).toList();
        long atLeast = big.stream().filter(r -> r.served() != null && r.publishedNdcg() >= r.served().popularityNdcg()).count();
        long guarded = retail.stream().filter(r -> r.served() != null && ServedRanking.POPULARITY.equals(r.served().guard()))
                .count();
        out.printf(Locale.ROOT, "Online Retail: published lists at or above popularity's NDCG@10 on %d of the %d countries with at "
                + "least 1,000 interactions; the ranking guard published popularity's lists on %d tenants%n", atLeast,
                big.size(), guarded);
        List<Row> trained = retail.stream().filter(r -> r.error() == null && !"popularity".equals(r.trainer())).toList();
        List<Row> ranked = trained.stream().filter(r -> r.model() != null && r.popularity() != null).toList();
        long beats = ranked.stream().filter(r -> r.model().ndcg() > r.popularity().ndcg()).count();
        long popularityModels = retail.stream().filter(r -> "popularity".equals(r.trainer())).count();
        out.printf(Locale.ROOT, "Online Retail: %d country tenants imported in %d ms (%,d lines, %,d interactions); %d under "
                        + "min-training-rows got the popularity model; of the %d trained, the model's NDCG beats popularity's on "
                        + "%d; %d failed%n", imported.tenants().size(), importMillis, imported.linesRead(),
                imported.interactions(), popularityModels, ranked.size(), beats,
                retail.stream().filter(r -> r.error() != null).count());
        retail.stream().filter(r -> r.model() != null && r.popularity() != null)
                .max(Comparator.comparingLong(Row::rows))
                .ifPresent(r -> out.printf(Locale.ROOT, "  largest (%s): published %s NDCG@%d %.4f vs popularity %.4f%n",
                        r.tenant(), r.served() == null ? "-" : r.served().ranking(), r.model().k(), r.publishedNdcg(),
                        r.popularity().ndcg()));
        out.println("RMSE on Online Retail is of log1p(quantity) on observed purchases: implicit tenants are gated on NDCG.");
        out.printf(Locale.ROOT, "total %d ms%n", totalMillis);
    }

    private static Path createTempDirectory() {
        try {
            return Files.createTempDirectory("nightbake-quality");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for the quality report: " + e.getMessage(), e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: the folder is under the system's temporary directory
        }
    }

    /** A DataSource over DriverManager for a named in-memory H2 database that lives until the JVM exits. */
    private static final class InMemoryH2 implements DataSource {
        private final String url;

        InMemoryH2(String name) {
            this.url = "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1";
            try {
                Class.forName("org.h2.Driver");
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("the quality report keeps its throwaway model registry in an in-memory H2 "
                        + "database: put com.h2database:h2 on the class path", e);
            }
        }

        @Override
        public Connection getConnection() throws SQLException {
            return DriverManager.getConnection(url);
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return DriverManager.getConnection(url, username, password);
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}

package io.nightbake.scoring;

import io.nightbake.retrain.data.TenantDataReader;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.retrain.synthetic.TenantSummary;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class PrebakeJobTest {

    private static final ScoringRules RULES = new ScoringRules(true, true, Set.of("toys"), Map.of(), null);

    @Test
    void aBrokenTenantFailsAloneWhileTheOthersInTheSameTaskSucceed(@TempDir Path root) throws Exception {
        ScoringTask good1 = Fixtures.prepare(root, Fixtures.tenant("good-one", 30, 25, 1), RULES, 5);
        ScoringTask good2 = Fixtures.prepare(root, Fixtures.tenant("good-two", 20, 40, 2), RULES, 5);
        ScoringTask noModel = Fixtures.task(root, "no-model", Path.of(good1.tenantDataDir()),
                root.resolve("models/no-model"), RULES, 5, 600);
        Path corruptDir = root.resolve("data/corrupt");
        Files.createDirectories(corruptDir);
        Files.writeString(corruptDir.resolve("customers.parquet"), "not parquet");
        Files.writeString(corruptDir.resolve("products.parquet"), "not parquet");
        Files.writeString(corruptDir.resolve("interactions.parquet"), "not parquet");
        ScoringTask corrupt = Fixtures.task(root, "corrupt", corruptDir, Path.of(good1.modelDir()), RULES, 5, 600);

        // slots = 1: all four tenants share one Spark task
        List<ScoringResult> results = new PrebakeJob().run(TestSpark.session(),
                List.of(good1, noModel, corrupt, good2), 1);

        assertThat(results).extracting(ScoringResult::tenant).containsExactly("good-one", "no-model", "corrupt", "good-two");
        assertThat(results.get(0).succeeded()).isTrue();
        assertThat(results.get(3).succeeded()).isTrue();
        assertThat(results.get(1).succeeded()).isFalse();
        assertThat(results.get(1).error()).startsWith("tenant 'no-model': champion model v3 not found");
        assertThat(results.get(2).succeeded()).isFalse();
        assertThat(results.get(2).error()).startsWith("tenant 'corrupt':").contains(".parquet");
        assertThat(Path.of(good1.outputFile())).exists();
        assertThat(Path.of(good2.outputFile())).exists();
        assertThat(Path.of(noModel.outputFile())).doesNotExist();
        assertThat(Path.of(corrupt.outputFile())).doesNotExist();
        assertThat(RecommendationsFile.read(Path.of(good2.outputFile()))).hasSize((int) results.get(3).rowsWritten());
    }

    @Test
    void fiftyTinyTenantsRunAsOneSparkJobOfFourTasks(@TempDir Path root) {
        FleetSpec spec = FleetSpec.defaults().withTenants(50).withLargestTenant(60, 30).withSmallestCustomers(8);
        List<TenantSummary> fleet = new SyntheticFleetGenerator().generate(spec, root.resolve("data"));
        List<ScoringTask> tasks = new ArrayList<>();
        for (TenantSummary tenant : fleet) {
            TenantDataset data = TenantDataReader.read(tenant.tenant(), tenant.directory());
            Path modelDir = root.resolve("models").resolve(tenant.tenant().value());
            Fixtures.trainChampion(data, modelDir, 4, 1);
            tasks.add(Fixtures.task(root, tenant.tenant().value(), tenant.directory(), modelDir, RULES, 10,
                    (long) tenant.customers() * tenant.products()));
        }

        SparkSession spark = TestSpark.session();
        AtomicInteger jobs = new AtomicInteger();
        AtomicInteger sparkTasks = new AtomicInteger();
        SparkListener listener = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart jobStart) {
                jobs.incrementAndGet();
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
                sparkTasks.incrementAndGet();
            }
        };
        TestSpark.drainListeners(spark);
        spark.sparkContext().addSparkListener(listener);
        List<ScoringResult> results;
        try {
            results = new PrebakeJob().run(spark, tasks, 4);
            TestSpark.drainListeners(spark);
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }

        assertThat(jobs.get()).isEqualTo(1);
        assertThat(sparkTasks.get()).isEqualTo(4);
        assertThat(results).hasSize(50).allSatisfy(result -> {
            assertThat(result.error()).isNull();
            assertThat(result.succeeded()).isTrue();
            assertThat(result.rowsWritten()).isGreaterThanOrEqualTo(result.customers());
        });
        assertThat(results).extracting(ScoringResult::tenant)
                .containsExactlyElementsOf(tasks.stream().map(ScoringTask::tenantId).toList());
        for (int i = 0; i < tasks.size(); i++) {
            assertThat(results.get(i).customers()).isEqualTo(fleet.get(i).customers());
        }
    }

    @Test
    void sparkReadsTheRecommendationsFileWithItsTypes(@TempDir Path root) {
        ScoringTask task = Fixtures.prepare(root, Fixtures.tenant("readable", 25, 30, 5), RULES, 3);
        ScoringResult result = new PrebakeJob().run(TestSpark.session(), List.of(task), 2).get(0);
        assertThat(result.succeeded()).isTrue();

        Dataset<org.apache.spark.sql.Row> rows = TestSpark.session().read().parquet(task.outputFile());
        StructType schema = rows.schema();
        assertThat(schema.apply(RecommendationsFile.RUN_DATE).dataType()).isEqualTo(DataTypes.DateType);
        assertThat(schema.apply(RecommendationsFile.RANK).dataType()).isEqualTo(DataTypes.IntegerType);
        assertThat(schema.apply(RecommendationsFile.PRODUCT_ID).dataType()).isEqualTo(DataTypes.StringType);
        assertThat(schema.apply(RecommendationsFile.SCORE).dataType()).isEqualTo(DataTypes.DoubleType);
        assertThat(rows.count()).isEqualTo(result.rowsWritten());
        assertThat(rows.select(RecommendationsFile.CUSTOMER_ID).distinct().count()).isEqualTo(result.customers());
        assertThat(rows.first().<java.sql.Date>getAs(RecommendationsFile.RUN_DATE).toLocalDate())
                .isEqualTo(Fixtures.RUN_DATE);
    }

    @Test
    void noTasksMeansNoJob() {
        assertThat(new PrebakeJob().run(TestSpark.session(), List.of(), 4)).isEmpty();
    }
}

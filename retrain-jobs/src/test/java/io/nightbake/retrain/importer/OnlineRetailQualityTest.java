package io.nightbake.retrain.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.config.TemplateLoader;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.jdbc.Jdbc;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.retrain.OnlineRetail;
import io.nightbake.retrain.data.TenantDataReader;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.pipeline.HoldoutSplit;
import io.nightbake.retrain.pipeline.RetrainOutcome;
import io.nightbake.retrain.pipeline.TenantRetrainer;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Locale;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real UCI Online Retail file: imported into one tenant per country, and the UK tenant through the pipeline. */
class OnlineRetailQualityTest {

    @TempDir
    static Path dir;
    private static ImportReport report;

    @BeforeAll
    static void importTheRealFile() {
        report = OnlineRetailImporter.importFile(OnlineRetail.file(), dir.resolve("tenants"), TenantBy.COUNTRY);
        System.out.print(report.summary());
    }

    @Test
    void everyCountryWithCustomersBecomesAReadableTenant() {
        assertThat(report.linesRead()).isEqualTo(541_909);
        assertThat(report.linesKept() + report.dropped().values().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(report.linesRead());
        assertThat(report.dropped(ImportReport.DropReason.NO_CUSTOMER)).isEqualTo(135_080);
        assertThat(report.dropped(ImportReport.DropReason.RETURN_APPLIED)).isPositive();
        assertThat(report.dropped(ImportReport.DropReason.NON_PRODUCT)).isPositive();
        // 38 countries; Hong Kong's lines all lack a CustomerID
        assertThat(report.tenants()).hasSize(37);
        assertThat(report.countriesWithoutInteractions()).containsExactly("Hong Kong");
        assertThat(report.tenants()).extracting(ImportReport.TenantImport::tenantId)
                .contains("united-kingdom", "eire", "channel-islands", "rsa", "european-community", "unspecified")
                .allMatch(TenantId::isValid);
        for (ImportReport.TenantImport t : report.tenants()) {
            TenantDataset data = TenantDataReader.read(TenantId.of(t.tenantId()), dir.resolve("tenants").resolve(t.tenantId()));
            assertThat(data.interactionCount()).as(t.tenantId()).isEqualTo(t.interactions());
            assertThat(data.customerCount()).as(t.tenantId()).isEqualTo(t.customers());
            assertThat(data.productCount()).as(t.tenantId()).isEqualTo(t.products());
            assertThat(data.customerRegion(0)).isEqualTo(t.country());
        }
    }

    @Test
    void onTheUnitedKingdomTenantTheModelBeatsPopularityOnNdcg(@TempDir Path models) {
        TenantId uk = TenantId.of("united-kingdom");
        TenantDataset data = TenantDataReader.read(uk, dir.resolve("tenants").resolve(uk.value()));
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Jdbc.migrate(ds);
        Clock clock = Clock.systemUTC();
        new TenantRegistry(ds, clock).register(uk, TenantState.ON, "test", "Online Retail UK");
        TemplatePipeline template = TemplateLoader.loadDefault();
        RetrainOutcome outcome = new TenantRetrainer(template, new ModelRegistry(ds, clock), models, clock)
                .retrain(data, HoldoutSplit.mostRecent(data, template.holdoutFraction(), Long.MAX_VALUE),
                        LocalDate.of(2011, 12, 9), System.nanoTime());

        ModelVersion v = outcome.version();
        System.out.printf(Locale.ROOT, "Online Retail UK: %s NDCG@%d %.4f precision@%d %.4f vs popularity %.4f / %.4f over %d "
                        + "customers; RMSE %.4f (global mean %.4f); trained in %d ms; %s%n", v.algorithm(), v.ranking().k(),
                v.ranking().ndcg(), v.ranking().k(), v.ranking().precision(), v.popularityRanking().ndcg(),
                v.popularityRanking().precision(), v.ranking().customers(), v.challengerRmse(), v.baselineRmse(),
                outcome.trainMillis(), v.reason());
        assertThat(v.algorithm()).isEqualTo("biased-mf");
        assertThat(v.hyperParameters()).contains("feedback=implicit", "negative-samples=8");
        assertThat(v.gateMetric()).isEqualTo("ndcg");
        assertThat(v.ranking().ndcg()).isGreaterThan(v.popularityRanking().ndcg());
        assertThat(v.promoted()).isTrue();
    }
}

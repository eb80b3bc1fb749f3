package io.nightbake.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nightbake.jdbc.Jdbc;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RegistriesTest {

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-24T01:00:00Z"), ZoneOffset.UTC);
    private TenantRegistry tenants;
    private ModelRegistry models;
    private final TenantId acme = TenantId.of("acme");

    @BeforeEach
    void setUp() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Jdbc.migrate(ds);
        tenants = new TenantRegistry(ds, clock);
        models = new ModelRegistry(ds, clock);
        tenants.register(acme, TenantState.ON, "test", "onboarding");
    }

    @Test
    void stateChangesAreAudited() {
        tenants.setState(acme, TenantState.FROZEN, "alice", "holiday season");
        tenants.setState(acme, TenantState.FROZEN, "alice", "again");
        assertThat(tenants.get(acme).state()).isEqualTo(TenantState.FROZEN);
        assertThat(tenants.history(acme)).extracting(c -> c.newState() + " by " + c.changedBy() + ": " + c.reason())
                .containsExactly("ON by test: onboarding", "FROZEN by alice: holiday season");
        assertThatThrownBy(() -> tenants.setState(acme, TenantState.OFF, "alice", " ")).hasMessageContaining("reason");
    }

    @Test
    void promotionMovesTheChampionAndRejectionDoesNot() {
        assertThat(models.champion(acme)).isEmpty();
        ModelVersion first = models.register(version(ModelVersion.Decision.PROMOTED), "nightly");
        ModelVersion second = models.register(version(ModelVersion.Decision.REJECTED), "nightly");
        assertThat(first.version()).isEqualTo(1);
        assertThat(second.version()).isEqualTo(2);
        assertThat(models.champion(acme)).map(ModelVersion::version).contains(1);
        models.pinChampion(acme, 2, "bob", "v1 misbehaves");
        assertThat(models.champion(acme)).map(ModelVersion::version).contains(2);
        assertThat(models.championHistory(acme)).extracting(ChampionChange::oldVersion, ChampionChange::newVersion)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(null, 1), org.assertj.core.groups.Tuple.tuple(1, 2));
        assertThat(models.trainedOn(acme, LocalDate.of(2026, 11, 24))).map(ModelVersion::version).contains(2);
        assertThatThrownBy(() -> models.pinChampion(acme, 9, "bob", "x")).hasMessageContaining("no model version 9");
    }

    @Test
    void rankingMetricsAndTheGateMetricAreStoredBesideRmse() {
        ModelVersion first = models.register(version(ModelVersion.Decision.PROMOTED), "nightly");
        assertThat(first.ranking()).as("a version without ranking metrics stays without").isNull();
        assertThat(models.find(acme, first.version()).orElseThrow().gateMetric()).isNull();

        ModelVersion v = version(ModelVersion.Decision.REJECTED);
        RankingMetrics mine = new RankingMetrics(10, 300, 0.05, 0.04, 0.06);
        RankingMetrics champion = new RankingMetrics(10, 300, 0.04, 0.03, 0.05);
        RankingMetrics popularity = new RankingMetrics(10, 300, 0.03, 0.02, 0.04);
        ModelVersion stored = models.register(new ModelVersion(v.tenant(), 0, v.runDate(), v.templateName(), v.templateVersion(),
                v.algorithm(), v.hyperParameters(), v.trainFingerprint(), v.trainRows(), v.holdoutRows(), v.challengerRmse(),
                0.95, v.baselineRmse(), 1, v.decision(), v.reason(), v.libraryVersions(), v.artifactPath(), v.startedAt(),
                v.finishedAt(), "ndcg", mine, champion, popularity), "nightly");
        ModelVersion read = models.find(acme, stored.version()).orElseThrow();
        assertThat(read.gateMetric()).isEqualTo("ndcg");
        assertThat(read.ranking()).isEqualTo(mine);
        assertThat(read.championRanking()).isEqualTo(champion);
        assertThat(read.popularityRanking()).isEqualTo(popularity);
        assertThat(read).isEqualTo(stored);
    }

    private ModelVersion version(ModelVersion.Decision decision) {
        return new ModelVersion(acme, 0, LocalDate.of(2026, 11, 24), "default", 1, "tribuo-fm", "{factors=8}", "abc", 100, 20,
                0.9, null, 1.1, null, decision, "test", "tribuo=4.3.2", "/tmp/m", clock.instant(), clock.instant());
    }
}

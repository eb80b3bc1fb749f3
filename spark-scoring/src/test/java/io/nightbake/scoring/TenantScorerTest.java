package io.nightbake.scoring;

import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.model.ModelArtifacts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class TenantScorerTest {

    private static final float TOLERANCE = 1e-4f;
    private static final ScoringRules ALL_RULES = new ScoringRules(true, true, Set.of("toys"),
            Map.of("north", Set.of("electronics", "home")), null);

    @TempDir
    static Path root;
    private static TenantDataset data;
    private static FactorizationMachine model;
    private static ScoringTask base;
    private static OrtSessionCache sessions;
    private static TenantScorer scorer;

    @BeforeAll
    static void trainChampion() {
        data = Fixtures.tenant("acme", 60, 80, 11);
        base = Fixtures.prepare(root, data, ALL_RULES, 5);
        model = ModelArtifacts.readModel(Path.of(base.modelDir()));
        sessions = new OrtSessionCache(4, 64L << 20);
        // a small batch size so that the tenant takes several full batches and a partial last one
        scorer = new TenantScorer(ScoringOptions.DEFAULTS.withBatchSize(16), sessions);
    }

    @AfterAll
    static void closeSessions() {
        sessions.close();
    }

    private static ScoringTask task(String name, ScoringRules rules, int k) {
        Path output = root.resolve("out").resolve(name).resolve(RecommendationsFile.FILE_NAME);
        return new ScoringTask(base.tenantId(), base.tenantDataDir(), base.modelDir(), base.modelVersion(),
                base.runDate(), rules, base.features(), k, output.toString(), base.estimatedPairs());
    }

    private static Map<String, List<RecommendationsFile.Row>> score(ScoringTask task) {
        ScoringResult result = scorer.score(task);
        assertThat(result.error()).isNull();
        assertThat(result.succeeded()).isTrue();
        List<RecommendationsFile.Row> rows = RecommendationsFile.read(Path.of(task.outputFile()));
        assertThat(rows).hasSize((int) result.rowsWritten());
        Map<String, List<RecommendationsFile.Row>> lists = new LinkedHashMap<>();
        for (RecommendationsFile.Row row : rows) {
            lists.computeIfAbsent(row.customerId(), c -> new ArrayList<>()).add(row);
        }
        assertThat(result.customers()).isEqualTo(data.customerCount());
        assertThat(result.listsWritten()).isEqualTo((int) lists.values().stream()
                .filter(l -> !l.get(0).isEmptyListMarker()).count());
        assertThat(result.pairsScored()).isEqualTo((long) data.customerCount() * data.productCount());
        return lists;
    }

    @Test
    void listsEqualBruteForceRankingUnderAllRules() {
        ScoringTask task = task("all-rules", ALL_RULES, 5);
        Map<String, List<RecommendationsFile.Row>> lists = score(task);
        BruteForce reference = new BruteForce(data, model, ALL_RULES);
        for (int c = 0; c < data.customerCount(); c++) {
            assertMatches(reference, c, task.k(), lists.get(data.customerId(c)));
        }
    }

    @Test
    void anArmTaskScoresOnlyItsCustomersWithTheSameListsAndNamesTheArm() {
        io.nightbake.experiment.ArmTable arms = new io.nightbake.experiment.ArmTable(5, List.of(
                new io.nightbake.experiment.ArmTable.Arm("e1-champion", base.modelVersion(), 0.6),
                new io.nightbake.experiment.ArmTable.Arm("e1-challenger", base.modelVersion() + 1, 0.4)));
        ScoringTask whole = task("arm-whole", ALL_RULES, 5);
        Map<String, List<RecommendationsFile.Row>> all = score(whole);
        Path output = root.resolve("out").resolve("arm-1").resolve(RecommendationsFile.FILE_NAME);
        // the second arm scored with the same model files: its lists must be the whole run's for its customers
        ScoringTask armTask = whole.forArm(arms, arms.arms().get(1), base.modelDir(), output.toString());
        ScoringResult result = scorer.score(armTask);
        assertThat(result.error()).isNull();
        List<RecommendationsFile.Row> rows = RecommendationsFile.read(output);
        long expected = all.keySet().stream().filter(c -> arms.armFor(c).name().equals("e1-challenger")).count();
        assertThat(result.customers()).isEqualTo((int) expected).isBetween(10, 40);
        Map<String, List<RecommendationsFile.Row>> lists = new LinkedHashMap<>();
        for (RecommendationsFile.Row row : rows) {
            assertThat(row.arm()).isEqualTo("e1-challenger");
            assertThat(row.modelVersion()).isEqualTo(base.modelVersion() + 1);
            assertThat(arms.armFor(row.customerId()).name()).isEqualTo("e1-challenger");
            lists.computeIfAbsent(row.customerId(), c -> new ArrayList<>()).add(row);
        }
        assertThat(lists).hasSize((int) expected);
        lists.forEach((customer, list) -> assertThat(list).extracting(RecommendationsFile.Row::productId)
                .containsExactlyElementsOf(all.get(customer).stream().map(RecommendationsFile.Row::productId).toList()));
    }

    @Test
    void withoutRulesEveryProductIsACandidateAndKIsCappedAtTheCatalogue() {
        ScoringTask task = task("no-rules", ScoringRules.NONE, 500);
        Map<String, List<RecommendationsFile.Row>> lists = score(task);
        BruteForce reference = new BruteForce(data, model, ScoringRules.NONE);
        for (int c = 0; c < data.customerCount(); c += 7) {
            List<RecommendationsFile.Row> rows = lists.get(data.customerId(c));
            assertThat(rows).hasSize(data.productCount());
            assertMatches(reference, c, task.k(), rows);
        }
    }

    @Test
    void everyRuleExcludesWhatItShould() {
        Map<String, List<RecommendationsFile.Row>> lists = score(task("each-rule", ALL_RULES, 30));
        BruteForce reference = new BruteForce(data, model, ALL_RULES);
        int northCustomersChecked = 0;
        for (int c = 0; c < data.customerCount(); c++) {
            Set<Integer> bought = reference.bought(c);
            for (RecommendationsFile.Row row : lists.get(data.customerId(c))) {
                if (row.isEmptyListMarker()) {
                    continue;
                }
                int p = data.productIndex(row.productId());
                assertThat(bought).as("bought product %s recommended to %s", row.productId(), row.customerId())
                        .doesNotContain(p);
                assertThat(data.productActive(p)).as("inactive product %s", row.productId()).isTrue();
                assertThat(data.productCategory(p)).as("blocked category").isNotEqualTo("toys");
                if ("north".equals(data.customerRegion(c))) {
                    assertThat(data.productCategory(p)).isIn("electronics", "home");
                    northCustomersChecked++;
                }
            }
        }
        assertThat(northCustomersChecked).isPositive();
    }

    @Test
    void viewsAndClicksDoNotCountAsBought() {
        // every product a customer only viewed or clicked stays a candidate
        ScoringRules purchasedOnly = new ScoringRules(true, false, Set.of(), Map.of(), null);
        Map<String, List<RecommendationsFile.Row>> lists = score(task("views", purchasedOnly, data.productCount()));
        BruteForce reference = new BruteForce(data, model, purchasedOnly);
        int viewedOnly = 0;
        for (int i = 0; i < data.interactionCount(); i++) {
            int c = data.customer(i);
            int p = data.product(i);
            boolean browsing = "view".equals(data.eventType(i)) || "click".equals(data.eventType(i));
            if (browsing && !reference.bought(c).contains(p)) {
                viewedOnly++;
                assertThat(lists.get(data.customerId(c))).extracting(RecommendationsFile.Row::productId)
                        .contains(data.productId(p));
            }
        }
        assertThat(viewedOnly).isPositive();
    }

    @Test
    void customersWhoseBestScoreIsUnderTheThresholdGetOneMarkerRow() {
        // a threshold between two customers' best scores, so that some are above and some below
        BruteForce unthresholded = new BruteForce(data, model, ALL_RULES);
        List<Float> best = new ArrayList<>();
        for (int c = 0; c < data.customerCount(); c++) {
            List<BruteForce.Scored> ranking = unthresholded.ranking(c);
            if (!ranking.isEmpty()) {
                best.add(ranking.get(0).score());
            }
        }
        best.sort(Comparator.naturalOrder());
        int middle = best.size() / 2;
        double threshold = (best.get(middle - 1) + best.get(middle)) / 2.0;
        ScoringRules rules = new ScoringRules(true, true, Set.of("toys"), Map.of("north", Set.of("electronics", "home")),
                threshold);

        ScoringTask task = task("threshold", rules, 5);
        ScoringResult result = scorer.score(task);
        Map<String, List<RecommendationsFile.Row>> lists = score(task);
        BruteForce reference = new BruteForce(data, model, rules);
        int markers = 0;
        for (int c = 0; c < data.customerCount(); c++) {
            List<RecommendationsFile.Row> rows = lists.get(data.customerId(c));
            assertMatches(reference, c, task.k(), rows);
            if (rows.get(0).isEmptyListMarker()) {
                markers++;
            }
        }
        assertThat(markers).isGreaterThanOrEqualTo(middle).isLessThan(data.customerCount());
        assertThat(result.emptyLists()).isEqualTo(markers);
    }

    @Test
    void aCustomerWithEveryProductExcludedGetsTheMarkerRow() {
        ScoringRules nothingForNorth = new ScoringRules(false, false, Set.of(), Map.of("north", Set.of("no-such-category")),
                null);
        Map<String, List<RecommendationsFile.Row>> lists = score(task("nothing-north", nothingForNorth, 5));
        for (int c = 0; c < data.customerCount(); c++) {
            List<RecommendationsFile.Row> rows = lists.get(data.customerId(c));
            if ("north".equals(data.customerRegion(c))) {
                assertThat(rows).singleElement().satisfies(row -> {
                    assertThat(row.rank()).isZero();
                    assertThat(row.productId()).isNull();
                    assertThat(row.score()).isNull();
                });
            } else {
                assertThat(rows).hasSize(5);
            }
        }
    }

    @Test
    void everyCustomerAppearsOnceSortedByCustomerThenRank() {
        ScoringTask task = task("layout", ALL_RULES, 4);
        score(task);
        List<RecommendationsFile.Row> rows = RecommendationsFile.read(Path.of(task.outputFile()));
        Set<String> seen = new HashSet<>();
        String previous = null;
        int expectedRank = 0;
        for (RecommendationsFile.Row row : rows) {
            assertThat(row.tenantId()).isEqualTo("acme");
            assertThat(row.modelVersion()).isEqualTo(3);
            assertThat(row.runDate()).isEqualTo(Fixtures.RUN_DATE);
            if (!row.customerId().equals(previous)) {
                assertThat(previous == null || previous.compareTo(row.customerId()) < 0).isTrue();
                assertThat(seen.add(row.customerId())).as("customer %s appears in two runs", row.customerId()).isTrue();
                previous = row.customerId();
                expectedRank = row.isEmptyListMarker() ? 0 : 1;
            }
            assertThat(row.rank()).isEqualTo(expectedRank);
            if (!row.isEmptyListMarker()) {
                assertThat(row.productId()).isNotNull();
                assertThat(row.score()).isNotNull();
                expectedRank++;
            }
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(data.customerIds());
    }

    @Test
    void sessionIsCreatedOnceAndSharedAcrossRunsOfTheSameGraph() {
        long before = sessions.sessionsCreated();
        score(task("session-1", ALL_RULES, 3));
        score(task("session-2", ScoringRules.NONE, 3));
        assertThat(sessions.sessionsCreated() - before).isLessThanOrEqualTo(1);
    }

    @Test
    void aMissingModelFailsTheTenantWithAClearMessageAndWritesNothing() {
        ScoringTask task = new ScoringTask(base.tenantId(), base.tenantDataDir(), root.resolve("no-model").toString(),
                7, base.runDate(), ALL_RULES, base.features(), 5, root.resolve("out/missing/x.parquet").toString(), 0);
        ScoringResult result = scorer.score(task);
        assertThat(result.succeeded()).isFalse();
        assertThat(result.error()).startsWith("tenant 'acme': champion model v7 not found").contains("no-model");
        assertThat(Path.of(task.outputFile())).doesNotExist();
    }

    @Test
    void corruptDataFailsTheTenantNamingTheFile() throws IOException {
        Path broken = root.resolve("broken-data");
        Files.createDirectories(broken);
        try (Stream<Path> files = Files.list(Path.of(base.tenantDataDir()))) {
            for (Path file : files.toList()) {
                Files.copy(file, broken.resolve(file.getFileName()));
            }
        }
        Files.write(broken.resolve("interactions.parquet"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        ScoringTask task = new ScoringTask(base.tenantId(), broken.toString(), base.modelDir(), 3, base.runDate(),
                ALL_RULES, base.features(), 5, root.resolve("out/corrupt").resolve("r.parquet").toString(), 0);
        ScoringResult result = scorer.score(task);
        assertThat(result.succeeded()).isFalse();
        assertThat(result.error()).startsWith("tenant 'acme':").contains("interactions.parquet");
        assertThat(Path.of(task.outputFile())).doesNotExist();
        assertThat(Path.of(task.outputFile()).getParent()).satisfiesAnyOf(
                dir -> assertThat(dir).doesNotExist(),
                dir -> assertThat(dir).isEmptyDirectory());
    }

    @Test
    void aModelThatScoresNaNFailsTheTenant() {
        float[] weights = model.weights().clone();
        java.util.Arrays.fill(weights, Float.NaN);
        FactorizationMachine broken = new FactorizationMachine(model.featureNames(), model.rank(), model.bias(), weights,
                model.factors(), model.outputShift(), model.outputScale());
        Path dir = root.resolve("models/nan");
        var ranking = io.nightbake.retrain.pipeline.TenantRetrainer.fold(broken, data,
                new io.nightbake.retrain.train.FeatureEncoder(Fixtures.FEATURES));
        ModelArtifacts.write(dir, broken, ranking, io.nightbake.retrain.onnx.OnnxRankingModelExporter.export(ranking, "nan"));
        ScoringTask task = new ScoringTask(base.tenantId(), base.tenantDataDir(), dir.toString(), 9, base.runDate(),
                ALL_RULES, base.features(), 5, root.resolve("out/nan/r.parquet").toString(), 0);
        ScoringResult result = scorer.score(task);
        assertThat(result.succeeded()).isFalse();
        assertThat(result.error()).startsWith("tenant 'acme': the champion model v9 scores NaN");
        assertThat(Path.of(task.outputFile())).doesNotExist();
    }

    @Test
    void anInvalidTenantIdFailsTheTenant() {
        ScoringTask task = new ScoringTask("Not A Tenant!", base.tenantDataDir(), base.modelDir(), 3, base.runDate(),
                ALL_RULES, base.features(), 5, root.resolve("out/bad-id/r.parquet").toString(), 0);
        ScoringResult result = scorer.score(task);
        assertThat(result.succeeded()).isFalse();
        assertThat(result.error()).startsWith("tenant 'Not A Tenant!': invalid tenant id");
    }

    @Test
    void aRerunReplacesTheFileAndLeavesNoTemporaryFiles() throws IOException {
        ScoringTask task = task("rerun", ALL_RULES, 3);
        score(task);
        score(task);
        try (Stream<Path> files = Files.list(Path.of(task.outputFile()).getParent())) {
            assertThat(files.map(f -> f.getFileName().toString()).toList())
                    .containsExactly(RecommendationsFile.FILE_NAME);
        }
    }

    /** Same scores within tolerance, position by position, and every product is allowed with that true score. */
    static void assertMatches(BruteForce reference, int customer, int k, List<RecommendationsFile.Row> rows) {
        List<BruteForce.Scored> expected = reference.expected(customer, k);
        String id = reference.data.customerId(customer);
        assertThat(rows).as("list of %s", id).isNotNull();
        if (expected.isEmpty()) {
            assertThat(rows).as("list of %s", id).singleElement()
                    .satisfies(row -> assertThat(row.isEmptyListMarker()).isTrue());
            return;
        }
        assertThat(rows).as("list of %s", id).hasSize(expected.size());
        Set<Integer> bought = reference.bought(customer);
        Set<String> products = new HashSet<>();
        for (int i = 0; i < rows.size(); i++) {
            RecommendationsFile.Row row = rows.get(i);
            assertThat(row.rank()).isEqualTo(i + 1);
            int p = reference.data.productIndex(row.productId());
            assertThat(products.add(row.productId())).isTrue();
            assertThat(reference.allowed(customer, p, bought)).as("%s allowed for %s", row.productId(), id).isTrue();
            assertThat(row.score()).as("score of %s for %s", row.productId(), id)
                    .isCloseTo(reference.factors.score(customer, p), within((double) TOLERANCE));
            assertThat(row.score()).as("rank %d of %s", i + 1, id)
                    .isCloseTo(expected.get(i).score(), within((double) TOLERANCE));
            if (i > 0 && Math.abs(expected.get(i).score() - expected.get(i - 1).score()) > TOLERANCE
                    && (i + 1 == expected.size() || Math.abs(expected.get(i).score() - expected.get(i + 1).score()) > TOLERANCE)) {
                // no tie around this position: the very same product
                assertThat(row.productId()).isEqualTo(reference.data.productId(expected.get(i).product()));
            }
        }
    }
}

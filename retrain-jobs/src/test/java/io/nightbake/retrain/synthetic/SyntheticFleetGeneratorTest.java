package io.nightbake.retrain.synthetic;

import io.nightbake.retrain.data.DataContract;
import io.nightbake.retrain.data.TenantDataReader;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.tenant.TenantId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SyntheticFleetGeneratorTest {

    /** A small fleet for the byte-level checks, so the test stays quick. */
    private static final FleetSpec SMALL = FleetSpec.defaults().withTenants(6).withLargestTenant(400, 150);

    @TempDir
    static Path shared;
    static List<TenantSummary> defaultFleet;

    @TempDir
    Path tmp;

    @BeforeAll
    static void generateDefaultFleet() {
        defaultFleet = new SyntheticFleetGenerator().generate(FleetSpec.defaults(), shared.resolve("default"));
    }

    @Test
    void defaultFleetHasTheDemoSizes() {
        assertThat(defaultFleet).extracting(s -> s.tenant().value())
                .containsExactlyElementsOf(Stream.iterate(1, i -> i + 1).limit(20)
                        .map(i -> String.format("tenant-%03d", i)).collect(Collectors.toList()));
        long total = defaultFleet.stream().mapToLong(TenantSummary::interactions).sum();
        assertThat(total).isBetween(150_000L, 250_000L);
        TenantSummary largest = largest(defaultFleet);
        assertThat(largest.customers()).isEqualTo(3_000);
        assertThat(largest.products()).isEqualTo(800);
        assertThat(largest.interactions() / (double) largest.customers()).isCloseTo(25.0, within(3.0));
        for (TenantSummary tenant : defaultFleet) {
            assertThat(tenant.customers()).as("%s customers", tenant.tenant()).isGreaterThanOrEqualTo(40);
            assertThat(tenant.interactions()).as("%s interactions", tenant.tenant())
                    .isGreaterThanOrEqualTo(10 * tenant.customers());
            assertThat(tenant.directory()).isEqualTo(shared.resolve("default").resolve(tenant.tenant().value()));
        }
    }

    @Test
    void tenantSizesAreHeavyTailed() {
        int[] sizes = defaultFleet.stream().mapToInt(TenantSummary::interactions).sorted().toArray();
        double median = (sizes[9] + sizes[10]) / 2.0;
        assertThat(sizes[19]).isGreaterThan((int) (5 * median));
        // a few big, many small: the largest three hold more than half the interactions
        long top3 = (long) sizes[19] + sizes[18] + sizes[17];
        assertThat(top3 * 2).isGreaterThan(defaultFleet.stream().mapToLong(TenantSummary::interactions).sum());
        // sizes do not simply follow the tenant number
        assertThat(defaultFleet.get(0).interactions()).isNotEqualTo(sizes[19]);
    }

    @Test
    void everyTenantPassesTheDataContractAndHasTheShapeAsked() {
        FleetSpec spec = FleetSpec.defaults();
        long reference = spec.referenceTime().getEpochSecond() * 1_000_000L;
        long ninetyDays = Duration.ofDays(SyntheticFleetGenerator.HISTORY_DAYS).toSeconds() * 1_000_000L;
        for (TenantSummary tenant : defaultFleet) {
            TenantDataset data = TenantDataReader.read(tenant.tenant(), tenant.directory());
            assertThat(data.customerCount()).isEqualTo(tenant.customers());
            assertThat(data.productCount()).isEqualTo(tenant.products());
            assertThat(data.interactionCount()).isEqualTo(tenant.interactions());

            Set<Long> pairs = new HashSet<>();
            for (int i = 0; i < data.interactionCount(); i++) {
                assertThat(pairs.add((long) data.customer(i) * data.productCount() + data.product(i)))
                        .as("%s: duplicate pair at %d", tenant.tenant(), i).isTrue();
                double value = data.value(i);
                if (value < 1 || value > 5 || value * 2 != Math.rint(value * 2)) {
                    assertThat(value).as("%s: value at %d", tenant.tenant(), i).isEqualTo(-1);
                }
                long t = data.eventTimeMicros(i);
                if (t >= reference || t < reference - ninetyDays) {
                    assertThat(t).as("%s: event time at %d", tenant.tenant(), i).isEqualTo(-1);
                }
            }
            long inactive = countInactive(data);
            assertThat(inactive / (double) data.productCount()).as("%s inactive share", tenant.tenant())
                    .isBetween(0.02, 0.2);
            assertThat(SyntheticFleetGenerator.REGIONS).containsAll(data.regions());
            assertThat(SyntheticFleetGenerator.CATEGORIES).containsAll(data.categories());
            for (int c = 0; c < data.customerCount(); c++) {
                assertThat(data.customerRegion(c)).isNotNull();
            }
        }
        TenantDataset largest = read(largest(defaultFleet));
        assertThat(largest.categories()).hasSize(10);
        assertThat(largest.regions()).hasSize(4);
        assertThat(largest.eventTypes()).containsExactly(SyntheticFleetGenerator.EVENT_TYPE);
    }

    @Test
    void popularityIsSkewed() {
        TenantDataset data = read(largest(defaultFleet));
        int[] counts = new int[data.productCount()];
        for (int i = 0; i < data.interactionCount(); i++) {
            counts[data.product(i)]++;
        }
        int[] sorted = java.util.Arrays.stream(counts).sorted().toArray();
        long top10Percent = 0;
        for (int i = sorted.length - sorted.length / 10; i < sorted.length; i++) {
            top10Percent += sorted[i];
        }
        assertThat(top10Percent / (double) data.interactionCount()).isGreaterThan(0.3);
    }

    @Test
    void aFactorizationModelBeatsTheGlobalMeanClearly() {
        TenantDataset data = read(largest(defaultFleet));
        double[] rmse = QuickFactorization.holdoutRmse(data, 8, 25, 7L);
        double meanRmse = rmse[0];
        double modelRmse = rmse[1];
        assertThat(modelRmse).as("model %.3f vs mean %.3f", modelRmse, meanRmse).isLessThan(0.8 * meanRmse);
        // the latent factors matter, not just the biases
        double rankOneRmse = QuickFactorization.holdoutRmse(data, 1, 25, 7L)[1];
        assertThat(modelRmse).as("rank 8 %.3f vs rank 1 %.3f", modelRmse, rankOneRmse).isLessThan(0.95 * rankOneRmse);
    }

    @Test
    void sameSeedGivesTheSameBytesAndAnotherSeedDifferentOnes() throws IOException {
        SyntheticFleetGenerator generator = new SyntheticFleetGenerator();
        List<TenantSummary> first = generator.generate(SMALL, tmp.resolve("one"));
        List<TenantSummary> second = generator.generate(SMALL, tmp.resolve("two"));
        List<TenantSummary> other = generator.generate(SMALL.withSeed(43), tmp.resolve("other"));

        assertThat(second).extracting(TenantSummary::interactions)
                .containsExactlyElementsOf(first.stream().map(TenantSummary::interactions).toList());
        assertThat(files(tmp.resolve("one"))).hasSize(18).isEqualTo(files(tmp.resolve("two")));
        boolean anyDifferent = false;
        for (String file : files(tmp.resolve("one"))) {
            byte[] a = Files.readAllBytes(tmp.resolve("one").resolve(file));
            assertThat(a).as(file).isEqualTo(Files.readAllBytes(tmp.resolve("two").resolve(file)));
            anyDifferent |= !java.util.Arrays.equals(a, Files.readAllBytes(tmp.resolve("other").resolve(file)));
        }
        assertThat(anyDifferent).isTrue();
        assertThat(Files.readAllBytes(tmp.resolve("one/tenant-001").resolve(DataContract.INTERACTIONS)))
                .isNotEqualTo(Files.readAllBytes(tmp.resolve("other/tenant-001").resolve(DataContract.INTERACTIONS)));
        assertThat(other).isNotEmpty();
    }

    @Test
    void anotherJvmWritesTheSameBytes() throws Exception {
        // parquet-java orders footer encodings by identity hash codes, which differ between processes
        new SyntheticFleetGenerator().generate(SMALL, tmp.resolve("here"));
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), GenerateFleetInAnotherJvm.class.getName(),
                tmp.resolve("there").toString(), String.valueOf(SMALL.tenants()),
                String.valueOf(SMALL.largestCustomers()), String.valueOf(SMALL.largestProducts()))
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child.log").toFile())
                .start();
        assertThat(child.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(Files.readString(tmp.resolve("child.log"))).isZero();

        assertThat(files(tmp.resolve("there"))).isEqualTo(files(tmp.resolve("here"))).hasSize(18);
        for (String file : files(tmp.resolve("here"))) {
            assertThat(Files.readAllBytes(tmp.resolve("there").resolve(file)))
                    .as(file).isEqualTo(Files.readAllBytes(tmp.resolve("here").resolve(file)));
        }
    }

    @Test
    void inMemoryTenantMatchesTheWrittenOne() {
        TenantSummary summary = defaultFleet.get(4);
        TenantDataset inMemory = new SyntheticFleetGenerator().generateTenant(FleetSpec.defaults(), 5);
        TenantDataset written = read(summary);
        assertThat(inMemory.tenant()).isEqualTo(TenantId.of("tenant-005"));
        assertThat(inMemory.interactionCount()).isEqualTo(written.interactionCount());
        assertThat(inMemory.valueColumn()).isEqualTo(written.valueColumn());
        assertThat(inMemory.customerIds()).isEqualTo(written.customerIds());
    }

    @Test
    void largerFleetsScaleAndSmallestTenantsKeepAFloor() {
        FleetSpec spec = FleetSpec.defaults().withTenants(200);
        List<int[]> sizes = SyntheticFleetGenerator.plannedSizes(spec);
        assertThat(sizes).hasSize(200);
        assertThat(sizes.stream().mapToInt(s -> s[0]).max().orElseThrow()).isEqualTo(3_000);
        assertThat(sizes.stream().mapToInt(s -> s[0]).min().orElseThrow()).isEqualTo(40);
        assertThat(sizes.stream().mapToInt(s -> s[1]).min().orElseThrow()).isGreaterThanOrEqualTo(30);
    }

    @Test
    void invalidSpecsAreRejected() {
        assertThatThrownBy(() -> FleetSpec.defaults().withTenants(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tenants");
        assertThatThrownBy(() -> FleetSpec.defaults().withSmallestCustomers(5_000))
                .hasMessageContaining("largestCustomers");
        assertThatThrownBy(() -> FleetSpec.defaults().withNoise(Double.NaN)).hasMessageContaining("noise");
        assertThatThrownBy(() -> new SyntheticFleetGenerator().generateTenant(FleetSpec.defaults(), 21))
                .hasMessageContaining("1..20");
    }

    private static TenantSummary largest(List<TenantSummary> fleet) {
        return fleet.stream().max(Comparator.comparingInt(TenantSummary::interactions)).orElseThrow();
    }

    private static TenantDataset read(TenantSummary summary) {
        return TenantDataReader.read(summary.tenant(), summary.directory());
    }

    private static long countInactive(TenantDataset data) {
        long inactive = 0;
        for (int p = 0; p < data.productCount(); p++) {
            if (!data.productActive(p)) {
                inactive++;
            }
        }
        return inactive;
    }

    private static List<String> files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    /** Biased matrix factorization by plain SGD: just enough to show the planted structure is learnable. */
    static final class QuickFactorization {

        /** {RMSE of the training mean, RMSE of the model} on a random 20% holdout. */
        static double[] holdoutRmse(TenantDataset data, int rank, int epochs, long seed) {
            SplittableRandom rng = new SplittableRandom(seed);
            int n = data.interactionCount();
            boolean[] test = new boolean[n];
            double mean = 0;
            int trainCount = 0;
            for (int i = 0; i < n; i++) {
                test[i] = rng.nextDouble() < 0.2;
                if (!test[i]) {
                    mean += data.value(i);
                    trainCount++;
                }
            }
            mean /= trainCount;
            double[] bu = new double[data.customerCount()];
            double[] bi = new double[data.productCount()];
            double[] pu = new double[data.customerCount() * rank];
            double[] qi = new double[data.productCount() * rank];
            for (int k = 0; k < pu.length; k++) {
                pu[k] = 0.1 * (rng.nextDouble() - 0.5);
            }
            for (int k = 0; k < qi.length; k++) {
                qi[k] = 0.1 * (rng.nextDouble() - 0.5);
            }
            double lr = 0.02;
            double reg = 0.02;
            for (int epoch = 0; epoch < epochs; epoch++) {
                for (int i = 0; i < n; i++) {
                    if (test[i]) {
                        continue;
                    }
                    int u = data.customer(i);
                    int p = data.product(i);
                    double err = data.value(i) - predict(mean, bu, bi, pu, qi, rank, u, p);
                    bu[u] += lr * (err - reg * bu[u]);
                    bi[p] += lr * (err - reg * bi[p]);
                    for (int f = 0; f < rank; f++) {
                        double a = pu[u * rank + f];
                        double b = qi[p * rank + f];
                        pu[u * rank + f] += lr * (err * b - reg * a);
                        qi[p * rank + f] += lr * (err * a - reg * b);
                    }
                }
            }
            double seMean = 0;
            double seModel = 0;
            int testCount = 0;
            for (int i = 0; i < n; i++) {
                if (test[i]) {
                    double v = data.value(i);
                    seMean += (v - mean) * (v - mean);
                    double e = v - predict(mean, bu, bi, pu, qi, rank, data.customer(i), data.product(i));
                    seModel += e * e;
                    testCount++;
                }
            }
            return new double[] {Math.sqrt(seMean / testCount), Math.sqrt(seModel / testCount)};
        }

        private static double predict(double mean, double[] bu, double[] bi, double[] pu, double[] qi, int rank,
                                      int u, int p) {
            double s = mean + bu[u] + bi[p];
            for (int f = 0; f < rank; f++) {
                s += pu[u * rank + f] * qi[p * rank + f];
            }
            return s;
        }
    }
}

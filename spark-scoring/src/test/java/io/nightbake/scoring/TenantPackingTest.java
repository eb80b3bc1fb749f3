package io.nightbake.scoring;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TenantPackingTest {

    private static List<ScoringTask> tasks(long... sizes) {
        List<ScoringTask> tasks = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            tasks.add(Fixtures.task(Path.of("/tmp/x"), "t" + i, Path.of("/d"), Path.of("/m"), ScoringRules.NONE, 5, sizes[i]));
        }
        return tasks;
    }

    @Test
    void everyTaskLandsInExactlyOneOfAtMostSlotsBins() {
        List<ScoringTask> tasks = tasks(IntStream.range(0, 1000).mapToLong(i -> 1 + (i * 37L) % 500).toArray());
        List<TenantPacking.Bin> bins = TenantPacking.pack(tasks, 8);
        assertThat(bins).hasSize(8);
        List<Integer> all = bins.stream().flatMap(b -> b.taskPositions().stream()).sorted().toList();
        assertThat(all).containsExactlyElementsOf(IntStream.range(0, 1000).boxed().toList());
        long max = bins.stream().mapToLong(TenantPacking.Bin::estimatedPairs).max().orElseThrow();
        long min = bins.stream().mapToLong(TenantPacking.Bin::estimatedPairs).min().orElseThrow();
        assertThat(max - min).isLessThanOrEqualTo(500); // never more than the largest single tenant apart
    }

    @Test
    void largestFirstOntoTheLeastLoadedBin() {
        List<TenantPacking.Bin> bins = TenantPacking.pack(tasks(5, 9, 4, 3, 3, 2), 2);
        // LPT: 9 -> A, 5 -> B, 4 -> B (9), 3 -> A (12), 3 -> B (12), 2 -> A (14)
        assertThat(bins).extracting(TenantPacking.Bin::estimatedPairs).containsExactlyInAnyOrder(14L, 12L);
        assertThat(bins.get(0).taskPositions().get(0)).isEqualTo(1); // the largest goes first
    }

    @Test
    void fewerTenantsThanSlotsGiveOneBinEach() {
        assertThat(TenantPacking.pack(tasks(10, 20), 16)).hasSize(2)
                .allSatisfy(bin -> assertThat(bin.taskPositions()).hasSize(1));
        assertThat(TenantPacking.pack(List.of(), 4)).isEmpty();
    }

    @Test
    void tenantsWithoutAnEstimateStillSpreadOut() {
        List<TenantPacking.Bin> bins = TenantPacking.pack(tasks(new long[12]), 4);
        assertThat(bins).allSatisfy(bin -> assertThat(bin.taskPositions()).hasSize(3));
    }

    @Test
    void rejectsZeroSlots() {
        assertThatThrownBy(() -> TenantPacking.pack(tasks(1), 0)).hasMessageContaining("slots");
    }
}

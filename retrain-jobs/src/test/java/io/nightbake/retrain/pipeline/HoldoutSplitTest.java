package io.nightbake.retrain.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.tenant.TenantId;
import org.junit.jupiter.api.Test;

class HoldoutSplitTest {

    @Test
    void exactDuplicatesCollapseToTheFirstRowAndAreCounted() {
        TenantDataset.Builder b = TenantDataset.builder(TenantId.of("dup"));
        b.addProduct("p0", true, "c");
        b.addProduct("p1", true, "c");
        for (int c = 0; c < 10; c++) {
            b.addInteraction("c" + c, "p0", 4, 1_000L * c, "rating");
            b.addInteraction("c" + c, "p1", 3, 1_000L * c + 1, "rating");
        }
        for (int copy = 0; copy < 2000; copy++) {
            b.addInteraction("c3", "p0", 5, 3_000L, "rating"); // the same event as c3's first row, 2000 times
        }
        b.addInteraction("c3", "p0", 5, 3_000L, "click"); // another kind of event at that time is not a duplicate
        TenantDataset data = b.build();

        HoldoutSplit split = HoldoutSplit.mostRecent(data, 0.2, Long.MAX_VALUE);
        assertThat(split.duplicatesCollapsed()).isEqualTo(2000);
        assertThat(split.trainRows().length + split.holdoutRows().length).isEqualTo(21);
        // the first row of the duplicated event is the one kept
        assertThat(java.util.stream.IntStream.concat(java.util.Arrays.stream(split.trainRows()),
                java.util.Arrays.stream(split.holdoutRows())).filter(r -> data.eventTimeMicros(r) == 3_000L
                && "rating".equals(data.eventType(r))).boxed().toList()).containsExactly(6);
    }
}

package io.nightbake.retrain.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.nightbake.feedback.FeedbackEvent;
import io.nightbake.feedback.FeedbackEventType;
import io.nightbake.tenant.TenantId;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The merge rules of feedback into a tenant's training data (see FeedbackMerge and the README). */
class FeedbackMergeTest {

    private static final TenantId TENANT = TenantId.of("acme");
    private static final Instant T1 = Instant.parse("2026-10-20T10:00:00Z");
    private static final LocalDate DAY = LocalDate.of(2026, 10, 25);

    @TempDir
    Path dir;

    private static FeedbackFiles.Row row(String id, String customer, String product, FeedbackEventType type, Double value,
                                         Instant time) {
        return new FeedbackFiles.Row(new FeedbackEvent(id, customer, product, type, value, time, null, null), time);
    }

    private void writeTenant(String ownType) {
        TenantDataWriter.write(dir, List.of(new CustomerRow("c1", null, null), new CustomerRow("c2", null, null)),
                List.of(new ProductRow("p1", true, null), new ProductRow("p2", true, null), new ProductRow("p3", true, null)),
                List.of(new InteractionRow("c1", "p1", 3.0, T1, ownType), new InteractionRow("c2", "p2", 4.0, T1, ownType)));
    }

    @Test
    void ratingsTenantKeepsOneRatingPerPairLatestWinsAndTakesNoImplicitRows() {
        writeTenant("rating");
        FeedbackFiles.write(dir, DAY, "part-a.parquet", List.of(
                row("r-old", "c1", "p1", FeedbackEventType.RATING, 1.0, T1.minusSeconds(3600)), // older than the file's
                row("r-new", "c1", "p1", FeedbackEventType.RATING, 5.0, T1.plusSeconds(3600)),  // newer: replaces
                row("r-dup", "c2", "p2", FeedbackEventType.RATING, 2.0, T1.plusSeconds(60)),
                row("c-1", "c2", "p1", FeedbackEventType.CLICK, null, T1.plusSeconds(60)),      // not merged: ratings tenant
                row("i-1", "c2", "p3", FeedbackEventType.IMPRESSION, null, T1.plusSeconds(30)), // shown, not taken
                row("i-2", "c1", "p1", FeedbackEventType.IMPRESSION, null, T1.plusSeconds(30)), // shown, rated
                row("x-1", "c1", "p9", FeedbackEventType.RATING, 4.0, T1.plusSeconds(30))));    // unknown product
        // the same event id again in a later file (a compaction rerun): the first file wins
        FeedbackFiles.write(dir, DAY, "part-b.parquet", List.of(row("r-dup", "c2", "p2", FeedbackEventType.RATING, 1.0,
                T1.plusSeconds(120))));

        TenantDataset data = TenantDataReader.read(TENANT, dir);
        assertThat(data.interactionCount()).isEqualTo(2);
        assertThat(value(data, "c1", "p1")).isEqualTo(5.0);
        assertThat(value(data, "c2", "p2")).isEqualTo(2.0);
        assertThat(data.negativeCount()).isEqualTo(1);
        assertThat(data.customerId(data.negativeCustomer(0))).isEqualTo("c2");
        assertThat(data.productId(data.negativeProduct(0))).isEqualTo("p3");
    }

    @Test
    void implicitTenantTakesClicksAndPurchasesAsInteractions() {
        writeTenant("purchase");
        FeedbackFiles.write(dir, DAY, "part-a.parquet", List.of(
                row("c-1", "c2", "p1", FeedbackEventType.CLICK, null, T1.plusSeconds(60)),
                row("b-1", "c2", "p3", FeedbackEventType.PURCHASE, 3.0, T1.plusSeconds(90)),
                row("new-customer", "c9", "p1", FeedbackEventType.CLICK, null, T1.plusSeconds(90))));
        TenantDataset data = TenantDataReader.read(TENANT, dir);
        assertThat(data.interactionCount()).isEqualTo(5);
        assertThat(value(data, "c2", "p3")).isEqualTo(3.0);
        assertThat(data.eventType(4)).isEqualTo("click");
        assertThat(data.customerIndex("c9")).isNotNegative();
        assertThat(data.negativeCount()).isZero();
    }

    @Test
    void malformedFeedbackNamesTenantFileAndColumn() {
        writeTenant("rating");
        FeedbackFiles.write(dir, DAY, "part-a.parquet", List.of(row("r-nan", "c1", "p1", FeedbackEventType.RATING, Double.NaN,
                T1)));
        Throwable e = catchThrowable(() -> TenantDataReader.read(TENANT, dir));
        assertThat(e).isInstanceOf(TenantDataException.class).hasMessageContaining("tenant 'acme'")
                .hasMessageContaining("feedback/date=2026-10-25/part-a.parquet").hasMessageContaining("'value'")
                .hasMessageContaining("NaN");
    }

    private static double value(TenantDataset data, String customer, String product) {
        for (int i = 0; i < data.interactionCount(); i++) {
            if (data.customerId(data.customer(i)).equals(customer) && data.productId(data.product(i)).equals(product)) {
                return data.value(i);
            }
        }
        throw new AssertionError("no interaction " + customer + "/" + product);
    }
}

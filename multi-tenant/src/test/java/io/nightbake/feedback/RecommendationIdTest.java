package io.nightbake.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nightbake.tenant.TenantId;
import org.junit.jupiter.api.Test;

class RecommendationIdTest {

    @Test
    void roundTripsThroughItsTextForm() {
        RecommendationId id = new RecommendationId(TenantId.of("tenant-001"), "2026-10-31-p84", 3, "challenger");
        assertThat(id.toString()).isEqualTo("nbr1.tenant-001.2026-10-31-p84.3.challenger");
        assertThat(RecommendationId.parse(id.toString())).isEqualTo(id);
    }

    @Test
    void rejectsMalformedTextNamingThePart() {
        assertThatThrownBy(() -> RecommendationId.parse("nbr1.tenant-001.snap.x.champion"))
                .hasMessageContaining("model version");
        assertThatThrownBy(() -> RecommendationId.parse("nbr1.Tenant!.snap.1.champion"))
                .hasMessageContaining("tenant");
        assertThatThrownBy(() -> RecommendationId.parse("xyz.tenant-001.snap.1.champion"))
                .hasMessageContaining("must look like");
        assertThatThrownBy(() -> RecommendationId.parse("nbr1.tenant-001.snap.1.champion.extra"))
                .hasMessageContaining("must look like");
        assertThatThrownBy(() -> RecommendationId.parse("nbr1.tenant-001.snap.-1.champion"))
                .hasMessageContaining(">= 0");
    }
}

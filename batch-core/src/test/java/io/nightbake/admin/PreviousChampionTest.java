package io.nightbake.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.model.ChampionChange;
import io.nightbake.tenant.TenantId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rolling back the champion walks back through the champions instead of toggling between the last two. */
class PreviousChampionTest {

    private static List<ChampionChange> history(int... versions) {
        List<ChampionChange> changes = new ArrayList<>();
        Integer old = null;
        for (int v : versions) {
            changes.add(new ChampionChange(TenantId.of("t"), old, v, Instant.EPOCH, "x", "x"));
            old = v;
        }
        return changes;
    }

    @Test
    void walksBackOneStepPerRollback() {
        assertThat(TenantAdminService.previousChampion(history())).isEmpty();
        assertThat(TenantAdminService.previousChampion(history(1))).isEmpty();
        assertThat(TenantAdminService.previousChampion(history(1, 2, 3))).contains(2);
        assertThat(TenantAdminService.previousChampion(history(1, 2, 3, 2))).contains(1); // after one rollback
        assertThat(TenantAdminService.previousChampion(history(1, 2, 3, 2, 1))).isEmpty();
    }

    @Test
    void aPinIsUndoneByTheNextRollback() {
        assertThat(TenantAdminService.previousChampion(history(1, 2, 3, 1))).contains(3);
        assertThat(TenantAdminService.previousChampion(history(1, 2, 3, 1, 3))).contains(2);
        assertThat(TenantAdminService.previousChampion(history(1, 2, 3, 4, 5, 2, 6))).contains(2);
    }
}

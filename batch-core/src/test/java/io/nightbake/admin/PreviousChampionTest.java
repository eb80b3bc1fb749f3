package io.nightbake.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.model.ChampionChange;
import io.nightbake.tenant.TenantId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rolling back the champion walks back through the champions instead of toggling between the last two, and undoes
 * a pin. Versions below: a plain number is a promotion or a pin, a negative number a rollback to that version.
 */
class PreviousChampionTest {

    private static List<ChampionChange> history(int... versions) {
        List<ChampionChange> changes = new ArrayList<>();
        Integer old = null;
        for (int v : versions) {
            String reason = v < 0 ? TenantAdminService.ROLLBACK_PREFIX + "bad lists" : "promoted or pinned";
            changes.add(new ChampionChange(TenantId.of("t"), old, Math.abs(v), Instant.EPOCH, "x", reason));
            old = Math.abs(v);
        }
        return changes;
    }

    @Test
    void walksBackOneStepPerRollback() {
        assertThat(TenantAdminService.previousChampion(history())).isEmpty();
        assertThat(TenantAdminService.previousChampion(history(1))).isEmpty();
        assertThat(TenantAdminService.previousChampion(history(1, 2, 3))).contains(2);
        assertThat(TenantAdminService.previousChampion(history(1, 2, 3, -2))).contains(1);
        assertThat(TenantAdminService.previousChampion(history(1, 2, 3, -2, -1))).isEmpty();
        assertThat(TenantAdminService.previousChampion(history(1, 2, 3, -2, 4))).contains(2); // a promotion after a rollback
    }

    @Test
    void aRollbackUndoesAPin() {
        assertThat(TenantAdminService.previousChampion(history(1, 2, 1))).contains(2); // pinned back to 1: undo goes to 2
        assertThat(TenantAdminService.previousChampion(history(1, 2, 3, 1))).contains(3);
        assertThat(TenantAdminService.previousChampion(history(1, 2, 3, 1, -3))).contains(2);
        assertThat(TenantAdminService.previousChampion(history(1, 2, 3, 4, 5, 2, 6))).contains(2);
    }
}

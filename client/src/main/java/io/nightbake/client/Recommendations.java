package io.nightbake.client;

/**
 * A reusable holder for one lookup's answer ({@link NightbakeReader#lookup}): a view on the snapshot's bytes, valid
 * until the next lookup into the same holder. Keep one per thread; reading it allocates nothing (product ids are
 * strings decoded once per snapshot and product, then shared).
 */
public final class Recommendations {

    ServingSnapshot snapshot;
    int start;
    int size;
    int available;
    int arm;

    /** Entries in the answer (at most the limit asked for). */
    public int size() {
        return size;
    }

    /** Entries the customer's list holds (may exceed {@link #size()} when the limit was smaller). */
    public int available() {
        return available;
    }

    /** The product at position {@code i} (0 is the best; its rank is {@code i + 1}). */
    public String productId(int i) {
        return snapshot.productId(snapshot.productCode(entry(i)));
    }

    /** The product's dictionary code in this snapshot (for callers keeping their own product tables). */
    public int productCode(int i) {
        return snapshot.productCode(entry(i));
    }

    public float score(int i) {
        return snapshot.score(entry(i));
    }

    /** The experiment arm that produced the list ({@code champion} when the tenant runs no experiment). */
    public String arm() {
        return snapshot.armName(arm);
    }

    /** The model version of the arm that produced the list. */
    public int modelVersion() {
        return snapshot.armModelVersion(arm);
    }

    public String snapshotId() {
        return snapshot.snapshotId();
    }

    /** The snapshot the answer came from. */
    public ServingSnapshot snapshot() {
        return snapshot;
    }

    private int entry(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i);
        }
        return start + i;
    }
}

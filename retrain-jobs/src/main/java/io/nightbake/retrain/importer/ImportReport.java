package io.nightbake.retrain.importer;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What an import read, what it dropped and why, and what it wrote.
 *
 * @param linesRead      data lines of the source (the header excluded)
 * @param dropped        source lines that did not become (part of) an interaction, per reason; every line read is
 *                       either counted here or in {@code linesKept}
 * @param linesKept      purchase lines that became (part of) an interaction, possibly reduced by returns
 * @param purchasesReducedByReturns kept purchase lines whose quantity a later return reduced without cancelling it
 * @param tenants        the tenants written, largest first
 * @param countriesWithoutInteractions countries seen in the source whose every line was dropped (no tenant written)
 */
public record ImportReport(long linesRead, Map<DropReason, Long> dropped, long linesKept, long purchasesReducedByReturns,
                           List<TenantImport> tenants, List<String> countriesWithoutInteractions) {

    /** Why a source line did not become an interaction. */
    public enum DropReason {
        /** wrong number of fields, or an unparseable quantity, date or price */
        MALFORMED,
        /** no CustomerID: the purchase cannot be attributed to anybody */
        NO_CUSTOMER,
        /** a stock code that is not a product (postage, fees, manual adjustments, samples, discounts, vouchers ...) */
        NON_PRODUCT,
        /** quantity 0 */
        ZERO_QUANTITY,
        /** a return (cancelled invoice or negative quantity) that cancelled or reduced earlier purchases */
        RETURN_APPLIED,
        /** a return with no earlier purchase of the product by the customer in the data (bought before it starts) */
        RETURN_WITHOUT_PURCHASE,
        /** a purchase line whose whole quantity was later returned */
        CANCELLED_BY_RETURN
    }

    /**
     * One tenant written.
     *
     * @param interactions one per customer, product and invoice (lines of the same invoice and product merged)
     */
    public record TenantImport(String tenantId, String country, int customers, int products, int interactions) {
    }

    public ImportReport {
        dropped = new EnumMap<>(dropped);
        tenants = List.copyOf(tenants);
        countriesWithoutInteractions = List.copyOf(countriesWithoutInteractions);
    }

    public long dropped(DropReason reason) {
        return dropped.getOrDefault(reason, 0L);
    }

    public long interactions() {
        return tenants.stream().mapToLong(TenantImport::interactions).sum();
    }

    /** A few lines for a person: totals, drops per reason, tenant count. */
    public String summary() {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%,d lines read, %,d kept (%,d reduced by returns), %,d interactions in %d tenants%n", linesRead, linesKept,
                purchasesReducedByReturns, interactions(), tenants.size()));
        for (DropReason reason : DropReason.values()) {
            out.append(String.format(Locale.ROOT, "  dropped %-24s %,9d%n", reason.name().toLowerCase(Locale.ROOT), dropped(reason)));
        }
        if (!countriesWithoutInteractions.isEmpty()) {
            out.append("  countries without interactions: ").append(String.join(", ", countriesWithoutInteractions)).append('\n');
        }
        return out.toString();
    }
}

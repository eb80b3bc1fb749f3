package io.nightbake.retrain.data;

import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * The names and Parquet schemas of the tenant data contract: one folder per tenant holding
 * {@value #INTERACTIONS}, {@value #CUSTOMERS} and {@value #PRODUCTS}. These are the schemas
 * {@link TenantDataWriter} writes; {@link TenantDataReader} also accepts what Spark writes
 * (nullable columns, INT96 or millisecond/nanosecond timestamps, a folder of part files).
 */
public final class DataContract {

    public static final String INTERACTIONS = "interactions.parquet";
    public static final String CUSTOMERS = "customers.parquet";
    public static final String PRODUCTS = "products.parquet";

    public static final String CUSTOMER_ID = "customer_id";
    public static final String PRODUCT_ID = "product_id";
    public static final String VALUE = "value";
    /**
     * The largest magnitude an interaction's value may have: ratings and purchase strengths are small numbers, and a
     * value like 1e300 makes training diverge (its squared error overflows to NaN).
     */
    public static final double MAX_ABS_VALUE = 1e6;
    public static final String EVENT_TIME = "event_time";
    public static final String EVENT_TYPE = "event_type";
    public static final String REGION = "region";
    public static final String SEGMENT = "segment";
    public static final String ACTIVE = "active";
    public static final String CATEGORY = "category";

    public static final MessageType INTERACTIONS_SCHEMA = Types.buildMessage()
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(CUSTOMER_ID)
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(PRODUCT_ID)
            .required(PrimitiveTypeName.DOUBLE).named(VALUE)
            .required(PrimitiveTypeName.INT64)
            .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS)).named(EVENT_TIME)
            .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(EVENT_TYPE)
            .named("interaction");

    public static final MessageType CUSTOMERS_SCHEMA = Types.buildMessage()
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(CUSTOMER_ID)
            .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(REGION)
            .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(SEGMENT)
            .named("customer");

    public static final MessageType PRODUCTS_SCHEMA = Types.buildMessage()
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(PRODUCT_ID)
            .required(PrimitiveTypeName.BOOLEAN).named(ACTIVE)
            .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(CATEGORY)
            .named("product");

    private DataContract() {
    }
}

/**
 * Jackson data-binding integration: {@link dev.atsync.cbor.jackson.AtprotoCborModule} (CID links)
 * and {@link dev.atsync.cbor.jackson.DagCborMapper} (canonical, strict mapping of your own Java
 * types through {@link dev.atsync.cbor.Value}). Jackson is kept off the strict verification path;
 * see the module README for why and for the measured cost.
 *
 * <p>Exceptions: bytes that are not strict DAG-CBOR are a {@code CborException}; a value Jackson
 * cannot map to or from your type is Jackson's {@code IllegalArgumentException}.
 */
package dev.atsync.cbor.jackson;

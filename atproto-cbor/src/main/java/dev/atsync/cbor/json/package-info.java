/**
 * The atproto JSON representation of the data model ({@code $link}, {@code $bytes}, blobs) and
 * its schema-less validation: {@link dev.atsync.cbor.json.AtprotoJson}. Lexicon (schema)
 * validation is out of scope. Uses jackson-core streaming only; no data binding.
 *
 * <p>Exceptions: JSON that does not parse or is not valid data-model JSON (a float, a malformed
 * {@code $link} or {@code $bytes}, a bad {@code $type}) is an
 * {@link dev.atsync.cbor.json.InvalidJsonException} (a {@code DataModelException}) naming the JSON
 * path of the offending value.
 */
package dev.atsync.cbor.json;

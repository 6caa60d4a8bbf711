/**
 * The atproto JSON representation of the data model ({@code $link}, {@code $bytes}, blobs) and
 * its schema-less validation: {@link dev.atsync.cbor.json.AtprotoJson}. Lexicon (schema)
 * validation is out of scope. Uses jackson-core streaming only; no data binding.
 */
package dev.atsync.cbor.json;

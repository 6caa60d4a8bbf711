/**
 * Jackson data-binding integration: {@link dev.atsync.cbor.jackson.AtprotoCborModule} (CID
 * links) and {@link dev.atsync.cbor.jackson.DagCborMapper} (canonical, strict mapping of your own
 * Java types through {@link dev.atsync.cbor.Value}). Jackson is kept off the strict verification
 * path; see the module README for why and for the measured cost.
 */
package dev.atsync.cbor.jackson;

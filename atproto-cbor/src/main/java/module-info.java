/**
 * atproto's data layer: strict DAG-CBOR ({@code dev.atsync.cbor}), CIDs and multibase
 * ({@code dev.atsync.cid}), CAR files ({@code dev.atsync.car}), the atproto JSON form
 * ({@code dev.atsync.cbor.json}), Jackson binding ({@code dev.atsync.cbor.jackson}) and the atproto
 * syntax types ({@code dev.atsync.syntax}). Every exception for bad input is a
 * {@link dev.atsync.cbor.DataModelException} with the offset where the problem was found.
 */
module dev.atsync.cbor {
  requires transitive com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.dataformat.cbor;

  exports dev.atsync.car;
  exports dev.atsync.cbor;
  exports dev.atsync.cbor.jackson;
  exports dev.atsync.cbor.json;
  exports dev.atsync.cid;
  exports dev.atsync.syntax;
  // shared hashing machinery, not API
  exports dev.atsync.cbor.internal to dev.atsync.mst;
}

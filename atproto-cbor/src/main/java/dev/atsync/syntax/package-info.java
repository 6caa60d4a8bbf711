/**
 * Validating value types for atproto identifiers and string formats: {@link dev.atsync.syntax.Did},
 * {@link dev.atsync.syntax.Handle}, {@link dev.atsync.syntax.Nsid},
 * {@link dev.atsync.syntax.RecordKey}, {@link dev.atsync.syntax.Tid} (and
 * {@link dev.atsync.syntax.TidClock}), {@link dev.atsync.syntax.AtUri},
 * {@link dev.atsync.syntax.Datetime}, {@link dev.atsync.syntax.AtIdentifier} and
 * {@link dev.atsync.syntax.Language}.
 *
 * <p>Each is a record whose constructor validates, so a value of one of these types is always
 * valid: the rest of atsync takes them in its signatures instead of strings and parses once, at
 * the edge (a decoder, a response parser). {@code isValid}/{@code isValidSyntax} answer without
 * an exception. The hot identifiers (DID, handle, NSID, record key, TID, datetime) are checked
 * with hand-written character loops, not regular expressions. Values are kept as given: handles
 * compare through {@code normalized()}; TIDs compare in time order.
 *
 * <p>Exceptions: invalid text is an {@link dev.atsync.syntax.InvalidSyntaxException} (a
 * {@code DataModelException}) naming the kind, the input (shortened) and the reason, with the
 * character offset of the problem where there is one.
 *
 * <p>Scope: syntax only. Whether a DID method is supported, a handle resolves, or a datetime is
 * plausible is for higher layers. Datetime and language tags have two levels, as the interop
 * vectors do: string syntax, and a real parse.
 */
package dev.atsync.syntax;

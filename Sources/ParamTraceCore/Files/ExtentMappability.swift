/// Whether an extent's disk location can be turned into trace sectors truthfully
/// (spec §5.4). paramtrace never guesses: an extent it cannot place is reported, not mapped.
public enum ExtentMappability {
  /// What to do with one extent.
  public enum Verdict: Sendable, Hashable {
    /// The location is exact: map it.
    case exact
    /// Preallocated but never written (UNWRITTEN): mapped and marked, but reads of it return
    /// zeros without disk I/O, so no trace events are expected there.
    case noIOExpected
    /// A hole (`filefrag -E` prints them): no data on the disk, nothing to map.
    case notOnDisk
    /// The location cannot be trusted.
    case unmappable(Problem)
  }

  /// Why an extent's location cannot be mapped to sectors.
  public enum Problem: Sendable, Hashable {
    case delayedAllocation   // FIEMAP_EXTENT_DELALLOC
    case unknownLocation     // FIEMAP_EXTENT_UNKNOWN
    case encoded             // FIEMAP_EXTENT_ENCODED
    case inline              // FIEMAP_EXTENT_DATA_INLINE
    case tailPacked          // FIEMAP_EXTENT_DATA_TAIL
    case notAligned          // FIEMAP_EXTENT_NOT_ALIGNED
    case unknownFlags(UInt32)  // bits outside FiemapExtentFlags.known
    case physicalNotSectorAligned(UInt64)  // fe_physical % 512 != 0

    /// Why, in words.
    public var why: String {
      switch self {
      case .delayedAllocation: "not allocated yet (delalloc): its data had not been written back, so it has no place on the disk"
      case .unknownLocation: "its location is unknown to the filesystem (unknown_loc)"
      case .encoded: "it is stored encoded (compressed or otherwise transformed), so its disk bytes are not the file's bytes (encoded)"
      case .inline: "its data is stored inline in filesystem metadata, not in data blocks of its own (inline)"
      case .tailPacked: "its data is packed with other files' tails (tail_packed)"
      case .notAligned: "its data is not aligned to blocks, so its sectors are shared with other data (not_aligned)"
      case .unknownFlags(let bits): "it carries FIEMAP flags paramtrace does not know (0x\(String(bits, radix: 16))), so the location may not mean what it seems"
      case .physicalNotSectorAligned(let offset): "its physical offset \(offset) is not a multiple of 512 bytes"
      }
    }

    /// What to do about it.
    public var advice: String {
      switch self {
      case .delayedAllocation, .unknownLocation:
        "Let the data reach the disk (run `sync`, or `filefrag -v -s` for saved text) and map the file again."
      case .encoded: "Store the file uncompressed (e.g. `chattr -c`, or a filesystem without compression) to trace it by sector."
      case .inline, .tailPacked, .notAligned:
        "Such tiny or packed data is read with filesystem metadata; trace a file that lives in data blocks."
      case .unknownFlags: "Update paramtrace, or check the flag in linux/fiemap.h."
      case .physicalNotSectorAligned: "The filesystem does not place this data on sector boundaries; it cannot be traced by sector."
      }
    }
  }

  /// The verdict for one extent.
  public static func verdict(for extent: DeviceExtent) -> Verdict {
    let flags = extent.flags
    if flags.contains(.hole) { return .notOnDisk }
    if flags.contains(.delalloc) { return .unmappable(.delayedAllocation) }
    if flags.contains(.unknown) { return .unmappable(.unknownLocation) }
    if flags.contains(.encoded) { return .unmappable(.encoded) }
    if flags.contains(.dataInline) { return .unmappable(.inline) }
    if flags.contains(.dataTail) { return .unmappable(.tailPacked) }
    if flags.contains(.notAligned) { return .unmappable(.notAligned) }
    let unknownBits = flags.rawValue & ~FiemapExtentFlags.known.rawValue
    if unknownBits != 0 { return .unmappable(.unknownFlags(unknownBits)) }
    if extent.physicalOffset % 512 != 0 { return .unmappable(.physicalNotSectorAligned(extent.physicalOffset)) }
    return flags.contains(.unwritten) ? .noIOExpected : .exact
  }
}

/// Why a file's extents could not be turned into a sector map.
public struct ExtentMappingError: Error, Hashable, Sendable, CustomStringConvertible {
  /// One extent paramtrace refused to map.
  public struct RefusedExtent: Sendable, Hashable {
    /// Index of the extent in file order.
    public var index: Int
    /// The extent as FIEMAP gave it.
    public var extent: DeviceExtent
    /// Why it was refused.
    public var problem: ExtentMappability.Problem
  }

  /// What went wrong.
  public enum Reason: Sendable, Hashable {
    /// Some extents have no trustworthy location.
    case unmappableExtents([RefusedExtent], of: Int)
    /// The extents contradict each other (overlap, overflow).
    case invalid(ExtentMapError)
    /// The filesystem's FIEMAP offsets are not disk offsets (btrfs, …): name and why.
    case filesystem(String, why: String)
  }

  /// What went wrong.
  public var reason: Reason
  /// The file, when known.
  public var path: String?

  public init(_ reason: Reason, path: String?) {
    self.reason = reason
    self.path = path
  }

  public var description: String {
    let file = path ?? "the file"
    switch reason {
    case .invalid(let error):
      return "\(file): \(error.message)"
    case .filesystem(let name, let why):
      return "\(file): cannot map extents on \(name) to disk sectors: \(why). Copy the file to a filesystem on a plain disk or partition (ext4, xfs) to trace it by sector."
    case .unmappableExtents(let refused, let total):
      var text = "\(file): cannot map \(refused.count) of \(total) extents to disk sectors; nothing was guessed."
      for item in refused.prefix(5) {
        let end = item.extent.logicalEnd == 0 ? 0 : item.extent.logicalEnd - 1
        text += "\n  extent \(item.index) (file bytes \(item.extent.logicalOffset)-\(end)): \(item.problem.why)."
      }
      if refused.count > 5 { text += "\n  … and \(refused.count - 5) more." }
      var advice: [String] = []
      for item in refused where !advice.contains(item.problem.advice) { advice.append(item.problem.advice) }
      text += "\n" + advice.joined(separator: "\n")
      return text
    }
  }
}

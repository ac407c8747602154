/// What one request read of the model, for naming it: the tensor that got most of its bytes
/// (a request can span several, or only header and padding), and the expert slice it read of
/// that tensor when the tensor stacks experts.
public struct RequestTensorMatch: Sendable, Hashable {
  /// Index in `ModelLayout.tensors` of the tensor with the most bytes of the request; nil when
  /// it read no tensor bytes (header, padding, or nothing of the file).
  public var tensor: Int?
  /// Bytes of that tensor the request read.
  public var tensorBytes: UInt64 = 0
  /// How many tensors the request read bytes of.
  public var tensorsTouched = 0
  /// The expert whose slice holds the first byte read of `tensor` (`ffn_*_exps`), else nil.
  public var expert: Int?
  /// Bytes that fell in a file's header.
  public var headerBytes: UInt64 = 0

  public init() {}
}

extension ModelLayout {
  /// Matches the file pieces `[start, end)` of one request (model address space, as
  /// `FileExtentMap.forEachPiece` gives them) against the tensors: a binary search per
  /// piece, then a walk over the tensors it covers. No lookup by name, nothing allocated.
  @inline(__always)
  public func match(extents: FileExtentMap, sector: UInt64, endSector: UInt64) -> RequestTensorMatch {
    var result = RequestTensorMatch()
    var lastTouched = -1
    extents.forEachPiece(sector: sector, endSector: endSector) { pieceStart, pieceEnd in
      result.headerBytes += headerBytes(pieceStart, pieceEnd)
      var index = firstTensor(endingAfter: pieceStart)
      while index < tensors.count {
        let tensor = tensors[index]
        if tensor.start >= pieceEnd { break }
        let start = max(pieceStart, tensor.start)
        let bytes = min(pieceEnd, tensor.end) - start
        if index != lastTouched {
          result.tensorsTouched += 1
          lastTouched = index
        }
        if bytes > result.tensorBytes {
          result.tensor = index
          result.tensorBytes = bytes
          result.expert = Self.expert(of: tensor, at: start)
        }
        index += 1
      }
    }
    return result
  }

  /// The expert slice of `tensor` holding byte `offset` (spec §11: expert `e` is the
  /// contiguous slice `[e·size/n, (e+1)·size/n)`), nil for tensors without experts.
  @inline(__always)
  static func expert(of tensor: Tensor, at offset: UInt64) -> Int? {
    guard let count = tensor.expertCount, count > 1, offset >= tensor.start else { return nil }
    let slice = max(1, tensor.size / UInt64(count))
    return min(Int((offset - tensor.start) / slice), count - 1)
  }
}

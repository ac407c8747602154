import Glibc
import ParamTraceCore

extension FileExtents {
  /// The whole disk that holds `path`'s filesystem (partition resolved to its disk).
  public static func diskHolding(path: String) throws -> DeviceNumber {
    var info = stat()
    guard stat(path, &info) == 0 else { throw ExperimentError("stat \(path): \(String(cString: strerror(errno))).") }
    guard let device = DeviceNumber(userSpaceEncoded: UInt64(info.st_dev)) else {
      throw ExperimentError("\(path) is on device \(info.st_dev), which has no block device number (tmpfs, overlay?).")
    }
    do { return try BlockDeviceSysfs.locate(device).disk } catch {
      throw ExperimentError("\(path) is on \(device), which is not a block device paramtrace can trace: \(error).")
    }
  }
}

extension DeviceNumber {
  /// The device of a `stat.st_dev` / `st_rdev` value in glibc's user-space encoding (spec §5.3):
  /// major = `((d >> 8) & 0xfff) | ((d >> 32) & ~0xfff)`, minor = `(d & 0xff) | ((d >> 12) & ~0xff)`
  /// (glibc's `gnu_dev_minor` takes only bits 20–43 for the upper minor part; so does this).
  /// Nil when the numbers do not fit the kernel's 12-bit major and 20-bit minor (traces use
  /// `major << 20 | minor`). For example 65024 is 254:0 and 66304 is 259:0.
  public init?(userSpaceEncoded d: UInt64) {
    let major = ((d >> 8) & 0xfff) | ((d >> 32) & ~UInt64(0xfff))
    let minor = (d & 0xff) | ((d & 0x0000_0fff_fff0_0000) >> 12)
    guard major < 4096, minor < (1 << 20) else { return nil }
    self.init(major: UInt32(major), minor: UInt32(minor))
  }
}

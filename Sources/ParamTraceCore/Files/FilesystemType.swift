/// A filesystem type by its `statfs` magic (`f_type`, linux/magic.h), as `filefrag` prints it
/// ("Filesystem type is: ef53"), and whether FIEMAP offsets on it are disk offsets.
public struct FilesystemType: Sendable, Hashable, CustomStringConvertible {
  /// `statfs.f_type`.
  public var magic: UInt64

  public init(magic: UInt64) { self.magic = magic }

  /// Names and mapping rules of the types paramtrace knows (linux/magic.h).
  static let table: [UInt64: (name: String, refusal: String?)] = [
    0xEF53: ("ext2/ext3/ext4", nil),
    0x5846_5342: ("xfs", nil),
    0xF2F5_2010: ("f2fs", nil),
    0x4D44: ("vfat", nil),
    0x2011_BAB0: ("exfat", nil),
    0x7366_746E: ("ntfs3", nil),
    0xE0F5_E1E2: ("erofs", nil),
    0x9123_683E: (
      "btrfs",
      "btrfs reports FIEMAP physical offsets as btrfs logical addresses (its chunk tree maps them to one or more devices), not as offsets on a disk"
    ),
    0xCA45_1A4E: ("bcachefs", "bcachefs can spread a file over several devices, and FIEMAP does not say which one an extent is on"),
    0x2FC1_2FC1: ("zfs", "ZFS stores files in a pool over several devices and does not report extents (no FIEMAP)"),
    0x0102_1994: ("tmpfs", "tmpfs files live in memory (and swap), not on a block device, and have no FIEMAP"),
    0x8584_58F6: ("ramfs", "ramfs files live in memory, not on a block device"),
    0x794C_7630: (
      "overlayfs",
      "an overlayfs file is a file of another filesystem (a lower or upper layer), and its device number is overlayfs's own, so the disk cannot be found from it"
    ),
    0x6969: ("nfs", "the file lives on another machine (NFS), not on a local disk"),
    0xFF53_4D42: ("cifs", "the file lives on another machine (SMB), not on a local disk"),
    0xFE53_4D42: ("smb2", "the file lives on another machine (SMB), not on a local disk"),
    0x0102_1997: ("9p", "the file lives on another machine or the host (9p), not on a local disk"),
    0x00C3_6400: ("ceph", "the file lives in a Ceph cluster, not on a local disk"),
    0x6573_5546: ("fuse", "a FUSE filesystem decides itself where data lives; its extents are not disk sectors"),
    0x7371_7368: ("squashfs", "squashfs stores data compressed, so disk bytes are not file bytes (and it has no FIEMAP)"),
  ]

  /// The usual name (`xfs`), or the magic in hex when unknown.
  public var name: String { Self.table[magic]?.name ?? "0x" + String(magic, radix: 16) }

  /// Whether the type is in paramtrace's table.
  public var isKnown: Bool { Self.table[magic] != nil }

  /// Why extents on this filesystem cannot be mapped to disk sectors; nil when they can.
  public var refusal: String? { Self.table[magic]?.refusal }

  /// True for tmpfs and ramfs: their files live in memory, so reading them measures no disk.
  public var isInMemory: Bool { magic == 0x0102_1994 || magic == 0x8584_58F6 }

  public var description: String { name }
}

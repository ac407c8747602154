// Filled by the system-access code (file sources, FIEMAP, tracefs).

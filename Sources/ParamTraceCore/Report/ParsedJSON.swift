/// A JSON document read back from disk (`manifest.json`, `analysis.json`, `sweep.json`): the
/// same tree paramtrace writes, parsed by `JSONReader` (see JSONValue+Reading.swift).
public typealias ParsedJSON = JSONValue

/// How a catalog entry builds its file: a llama-architecture conversion (dense) or a
/// mixture-of-experts file.
public enum ModelRecipe: Sendable, Hashable {
  case llama(ModelLlamaRecipe)
  case moe(ModelMoERecipe)

  /// The file's layout.
  public var fileSpec: GGUFFileSpec {
    switch self {
    case .llama(let recipe): recipe.fileSpec
    case .moe(let recipe): recipe.fileSpec
    }
  }

  /// n_layer.
  public var layers: Int {
    switch self {
    case .llama(let recipe): recipe.layers
    case .moe(let recipe): recipe.layers
    }
  }

  /// The llama recipe, nil for MoE entries.
  public var llama: ModelLlamaRecipe? {
    if case .llama(let recipe) = self { return recipe }
    return nil
  }
}

extension ModelCatalogEntry {
  /// An entry built by a llama recipe.
  init(name: String, summary: String, provenance: String, publishedFileSize: UInt64?, recipe: ModelLlamaRecipe) {
    self.init(name: name, summary: summary, provenance: provenance, publishedFileSize: publishedFileSize, recipe: .llama(recipe))
  }
}

/// Placeholder; the import module is filled in by its implementation.
public enum ImportError: Error {}

// Placeholder: replaced by the service implementation.
@main
struct Main {
    static func main() {}
}

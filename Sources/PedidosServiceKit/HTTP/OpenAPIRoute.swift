import Hummingbird

/// `GET /openapi.json`: the service's OpenAPI 3.1 document (``OpenAPIDocuments``), compiled into the
/// binary so it is served whatever the working directory.
public enum OpenAPIRoute {
    public static func register<Context: RequestContext>(on router: Router<Context>, document: String) {
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: document)))
        }
    }
}

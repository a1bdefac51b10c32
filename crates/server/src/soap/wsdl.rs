//! The WSDL 1.1 description of `/soap`: an embedded XSD for every element, one portType, and
//! both a SOAP 1.1 and a SOAP 1.2 binding, with the server's real address.

use super::NAMESPACE;

/// Operations and their request/response element content, in XSD.
const OPERATIONS: &[(&str, &str, &str)] = &[
    (
        "ListUsers",
        r#"<xs:element name="Limit" minOccurs="0"><xs:simpleType><xs:restriction base="xs:unsignedInt"><xs:minInclusive value="1"/><xs:maxInclusive value="100"/></xs:restriction></xs:simpleType></xs:element><xs:element name="Cursor" type="xs:string" minOccurs="0"/>"#,
        r#"<xs:element name="Users"><xs:complexType><xs:sequence><xs:element name="User" type="tns:User" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element><xs:element name="NextCursor" type="xs:string" minOccurs="0"/>"#,
    ),
    ("GetUser", r#"<xs:element name="Id" type="xs:unsignedLong"/>"#, r#"<xs:element name="User" type="tns:User"/>"#),
    (
        "CreateUser",
        r#"<xs:element name="Name" type="tns:Name"/><xs:element name="Email" type="tns:Email"/>"#,
        r#"<xs:element name="User" type="tns:User"/>"#,
    ),
    (
        "UpdateUser",
        r#"<xs:element name="Id" type="xs:unsignedLong"/><xs:element name="Name" type="tns:Name" minOccurs="0"/><xs:element name="Email" type="tns:Email" minOccurs="0"/>"#,
        r#"<xs:element name="User" type="tns:User"/>"#,
    ),
    ("DeleteUser", r#"<xs:element name="Id" type="xs:unsignedLong"/>"#, ""),
    (
        "ListProducts",
        r#"<xs:element name="Limit" minOccurs="0"><xs:simpleType><xs:restriction base="xs:unsignedInt"><xs:minInclusive value="1"/><xs:maxInclusive value="100"/></xs:restriction></xs:simpleType></xs:element><xs:element name="Cursor" type="xs:string" minOccurs="0"/>"#,
        r#"<xs:element name="Products"><xs:complexType><xs:sequence><xs:element name="Product" type="tns:Product" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element><xs:element name="NextCursor" type="xs:string" minOccurs="0"/>"#,
    ),
    (
        "GetProduct",
        r#"<xs:element name="Id" type="xs:unsignedLong"/>"#,
        r#"<xs:element name="Product" type="tns:Product"/>"#,
    ),
    (
        "ListUserOrders",
        r#"<xs:element name="UserId" type="xs:unsignedLong"/><xs:element name="Status" type="tns:OrderStatus" minOccurs="0"/><xs:element name="Limit" minOccurs="0"><xs:simpleType><xs:restriction base="xs:unsignedInt"><xs:minInclusive value="1"/><xs:maxInclusive value="100"/></xs:restriction></xs:simpleType></xs:element><xs:element name="Cursor" type="xs:string" minOccurs="0"/>"#,
        r#"<xs:element name="Orders"><xs:complexType><xs:sequence><xs:element name="Order" type="tns:Order" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element><xs:element name="NextCursor" type="xs:string" minOccurs="0"/>"#,
    ),
    ("GetOrder", r#"<xs:element name="Id" type="xs:unsignedLong"/>"#, r#"<xs:element name="Order" type="tns:Order"/>"#),
    (
        "CreateOrder",
        r#"<xs:element name="UserId" type="xs:unsignedLong"/><xs:element name="Items"><xs:complexType><xs:sequence><xs:element name="Item" type="tns:NewOrderItem" maxOccurs="50"/></xs:sequence></xs:complexType></xs:element>"#,
        r#"<xs:element name="Order" type="tns:Order"/>"#,
    ),
    (
        "UpdateOrderStatus",
        r#"<xs:element name="Id" type="xs:unsignedLong"/><xs:element name="Status" type="tns:OrderStatus"/>"#,
        r#"<xs:element name="Order" type="tns:Order"/>"#,
    ),
    ("DeleteOrder", r#"<xs:element name="Id" type="xs:unsignedLong"/>"#, ""),
    (
        "GetEvents",
        r#"<xs:element name="After" type="xs:unsignedLong" minOccurs="0"/><xs:element name="Limit" minOccurs="0"><xs:simpleType><xs:restriction base="xs:unsignedInt"><xs:minInclusive value="1"/><xs:maxInclusive value="1000"/></xs:restriction></xs:simpleType></xs:element>"#,
        r#"<xs:element name="Events"><xs:complexType><xs:sequence><xs:element name="Event" type="tns:Event" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element><xs:element name="NextAfter" type="xs:unsignedLong"/><xs:element name="Gap" type="xs:boolean"/>"#,
    ),
    (
        "CreateWebhook",
        r#"<xs:element name="Url"><xs:simpleType><xs:restriction base="xs:string"><xs:maxLength value="2048"/></xs:restriction></xs:simpleType></xs:element><xs:element name="Types" minOccurs="0"><xs:complexType><xs:sequence><xs:element name="Type" type="tns:EventType" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>"#,
        r#"<xs:element name="Webhook" type="tns:Webhook"/><xs:element name="Secret" type="xs:string"/>"#,
    ),
    (
        "ListWebhooks",
        "",
        r#"<xs:element name="Webhooks"><xs:complexType><xs:sequence><xs:element name="Webhook" type="tns:Webhook" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>"#,
    ),
    ("DeleteWebhook", r#"<xs:element name="Id" type="xs:unsignedLong"/>"#, ""),
    (
        "ListWebhookDeliveries",
        r#"<xs:element name="Id" type="xs:unsignedLong"/>"#,
        r#"<xs:element name="Deliveries"><xs:complexType><xs:sequence><xs:element name="Delivery" type="tns:WebhookDelivery" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>"#,
    ),
    (
        "SetMaintenance",
        r#"<xs:element name="Enabled" type="xs:boolean"/><xs:element name="RetryAfter" minOccurs="0"><xs:simpleType><xs:restriction base="xs:long"><xs:minInclusive value="1"/><xs:maxInclusive value="3600"/></xs:restriction></xs:simpleType></xs:element>"#,
        r#"<xs:element name="Enabled" type="xs:boolean"/><xs:element name="RetryAfter" type="xs:unsignedLong"/>"#,
    ),
];

const TYPES: &str = r#"<xs:simpleType name="Name"><xs:annotation><xs:documentation>1 to 200 characters once trimmed, none a control character.</xs:documentation></xs:annotation><xs:restriction base="xs:string"><xs:minLength value="1"/><xs:maxLength value="200"/><xs:pattern value="\s*[^\s\p{Cc}][^\p{Cc}]*"/></xs:restriction></xs:simpleType>
      <xs:simpleType name="Email"><xs:annotation><xs:documentation>One @ between a name and a domain with a dot; at most 200 characters; stored lower-case.</xs:documentation></xs:annotation><xs:restriction base="xs:string"><xs:maxLength value="200"/><xs:pattern value="\s*[^@\s\p{Cc}]+@[^@\s\p{Cc}.][^@\s\p{Cc}]*\.[^@\s\p{Cc}]*[^@\s\p{Cc}.]\s*"/></xs:restriction></xs:simpleType>
      <xs:complexType name="User"><xs:sequence><xs:element name="Id" type="xs:unsignedLong"/><xs:element name="Name" type="tns:Name"/><xs:element name="Email" type="tns:Email"/><xs:element name="CreatedAt" type="xs:dateTime"/></xs:sequence></xs:complexType>
      <xs:element name="Error"><xs:complexType><xs:sequence><xs:element name="Code" type="xs:string"/><xs:element name="Message" type="xs:string"/><xs:element name="Field" type="xs:string" minOccurs="0"/><xs:element name="RetryAfter" type="xs:unsignedInt" minOccurs="0"/></xs:sequence></xs:complexType></xs:element>
      <xs:complexType name="Product"><xs:sequence><xs:element name="Id" type="xs:unsignedLong"/><xs:element name="Sku" type="xs:string"/><xs:element name="Name" type="xs:string"/><xs:element name="PriceCents" type="xs:long"/><xs:element name="Currency" type="xs:string"/><xs:element name="Stock" type="xs:unsignedInt"/></xs:sequence></xs:complexType>
      <xs:simpleType name="OrderStatus"><xs:restriction base="xs:string"><xs:enumeration value="pending"/><xs:enumeration value="paid"/><xs:enumeration value="shipped"/><xs:enumeration value="delivered"/><xs:enumeration value="cancelled"/></xs:restriction></xs:simpleType>
      <xs:complexType name="OrderItem"><xs:sequence><xs:element name="ProductId" type="xs:unsignedLong"/><xs:element name="Quantity" type="xs:unsignedInt"/><xs:element name="UnitPriceCents" type="xs:long"/></xs:sequence></xs:complexType>
      <xs:complexType name="NewOrderItem"><xs:sequence><xs:element name="ProductId" type="xs:unsignedLong"/><xs:element name="Quantity"><xs:simpleType><xs:restriction base="xs:unsignedInt"><xs:minInclusive value="1"/><xs:maxInclusive value="1000"/></xs:restriction></xs:simpleType></xs:element></xs:sequence></xs:complexType>
      <xs:complexType name="Order"><xs:sequence><xs:element name="Id" type="xs:unsignedLong"/><xs:element name="UserId" type="xs:unsignedLong"/><xs:element name="Items"><xs:complexType><xs:sequence><xs:element name="Item" type="tns:OrderItem" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element><xs:element name="TotalCents" type="xs:long"/><xs:element name="Currency" type="xs:string"/><xs:element name="Status" type="tns:OrderStatus"/><xs:element name="CreatedAt" type="xs:dateTime"/><xs:element name="UpdatedAt" type="xs:dateTime"/></xs:sequence></xs:complexType>
      <xs:simpleType name="EventType"><xs:restriction base="xs:string"><xs:enumeration value="user.created"/><xs:enumeration value="user.updated"/><xs:enumeration value="user.deleted"/><xs:enumeration value="order.created"/><xs:enumeration value="order.status_changed"/><xs:enumeration value="order.deleted"/></xs:restriction></xs:simpleType>
      <xs:complexType name="Webhook"><xs:sequence><xs:element name="Id" type="xs:unsignedLong"/><xs:element name="Url" type="xs:string"/><xs:element name="Types"><xs:complexType><xs:sequence><xs:element name="Type" type="tns:EventType" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element><xs:element name="CreatedAt" type="xs:dateTime"/><xs:element name="State"><xs:simpleType><xs:restriction base="xs:string"><xs:enumeration value="active"/><xs:enumeration value="failing"/></xs:restriction></xs:simpleType></xs:element><xs:element name="Delivered" type="xs:unsignedLong"/><xs:element name="Dropped" type="xs:unsignedLong"/></xs:sequence></xs:complexType>
      <xs:complexType name="WebhookDelivery"><xs:sequence><xs:element name="EventSeq" type="xs:unsignedLong"/><xs:element name="MessageId" type="xs:string"/><xs:element name="Attempt" type="xs:unsignedInt"/><xs:element name="AttemptedAt" type="xs:dateTime"/><xs:element name="Status" type="xs:unsignedShort" minOccurs="0"/><xs:element name="LatencyMs" type="xs:double"/><xs:element name="Error" type="xs:string" minOccurs="0"/></xs:sequence></xs:complexType>
      <xs:complexType name="Event"><xs:sequence><xs:element name="Seq" type="xs:unsignedLong"/><xs:element name="Type" type="xs:string"/><xs:element name="OccurredAt" type="xs:dateTime"/><xs:choice><xs:element name="User" type="tns:User"/><xs:element name="Order" type="tns:Order"/></xs:choice></xs:sequence></xs:complexType>"#;

fn binding(name: &str, soap_ns_prefix: &str) -> String {
    let mut out = format!(
        "  <wsdl:binding name=\"{name}\" type=\"tns:PlaygroundPortType\">\n    <{soap_ns_prefix}:binding style=\"document\" transport=\"http://schemas.xmlsoap.org/soap/http\"/>\n"
    );
    for (operation, _, _) in OPERATIONS {
        out.push_str(&format!(
            "    <wsdl:operation name=\"{operation}\"><{p}:operation soapAction=\"{NAMESPACE}/{operation}\"/><wsdl:input><{p}:body use=\"literal\"/></wsdl:input><wsdl:output><{p}:body use=\"literal\"/></wsdl:output></wsdl:operation>\n",
            p = soap_ns_prefix
        ));
    }
    out.push_str("  </wsdl:binding>\n");
    out
}

/// The WSDL, addressed to `soap_url`.
pub fn wsdl(soap_url: &str) -> String {
    let mut elements = String::new();
    let mut messages = String::new();
    let mut port_operations = String::new();
    for (operation, request, response) in OPERATIONS {
        let sequence = |content: &str| {
            if content.is_empty() {
                "<xs:complexType/>".to_owned()
            } else {
                format!("<xs:complexType><xs:sequence>{content}</xs:sequence></xs:complexType>")
            }
        };
        elements.push_str(&format!(
            "      <xs:element name=\"{operation}\">{}</xs:element>\n      <xs:element name=\"{operation}Response\">{}</xs:element>\n",
            sequence(request),
            sequence(response)
        ));
        messages.push_str(&format!(
            "  <wsdl:message name=\"{operation}Request\"><wsdl:part name=\"parameters\" element=\"tns:{operation}\"/></wsdl:message>\n  <wsdl:message name=\"{operation}Response\"><wsdl:part name=\"parameters\" element=\"tns:{operation}Response\"/></wsdl:message>\n"
        ));
        port_operations.push_str(&format!(
            "    <wsdl:operation name=\"{operation}\"><wsdl:input message=\"tns:{operation}Request\"/><wsdl:output message=\"tns:{operation}Response\"/></wsdl:operation>\n"
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions name="Playground" targetNamespace="{NAMESPACE}"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="{NAMESPACE}">
  <wsdl:documentation>api-playground over SOAP: the same operations and data as its REST, GraphQL, gRPC and WebSocket faces. Send X-API-Key: demo-read-key as an HTTP header.</wsdl:documentation>
  <wsdl:types>
    <xs:schema targetNamespace="{NAMESPACE}" elementFormDefault="qualified">
      {TYPES}
{elements}    </xs:schema>
  </wsdl:types>
{messages}  <wsdl:portType name="PlaygroundPortType">
{port_operations}  </wsdl:portType>
{binding11}{binding12}  <wsdl:service name="PlaygroundService">
    <wsdl:port name="PlaygroundSoap11" binding="tns:PlaygroundSoap11Binding"><soap:address location="{soap_url}"/></wsdl:port>
    <wsdl:port name="PlaygroundSoap12" binding="tns:PlaygroundSoap12Binding"><soap12:address location="{soap_url}"/></wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"#,
        binding11 = binding("PlaygroundSoap11Binding", "soap"),
        binding12 = binding("PlaygroundSoap12Binding", "soap12"),
    )
}
